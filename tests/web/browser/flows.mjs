// Browser flows for the web interface, driven with playwright-core and Debian's Chromium (no browser download).
// Usage: node flows.mjs   (env: BASE_URL, USERNAME, PASSWORD, CODE, CHILD_REF, TASK_ID, REVIEW_ID, OUT_DIR,
//                          ANALYST_USERNAME, ANALYST_SECRET, DASHBOARD_AREA, DASHBOARD_YEAR, MISSING_GIRLS)
import { createHmac } from 'node:crypto'
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'

const require = createRequire(join(process.cwd(), 'package.json'))
const { chromium } = require('playwright-core')
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8')
const env = process.env
const out = env.OUT_DIR
mkdirSync(out, { recursive: true })
const results = { flows: {}, axe: {}, offsite: [], consoleErrors: [] }

const browser = await chromium.launch({
  executablePath: env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run']
})
const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } })
const page = await context.newPage()
page.setDefaultTimeout(10000)
context.on('request', (request) => {
  const url = new URL(request.url())
  if (!['127.0.0.1'].includes(url.hostname) && !['data:', 'blob:'].includes(url.protocol)) results.offsite.push(request.url())
})
page.on('console', (message) => { if (message.type() === 'error') results.consoleErrors.push(`${page.url()}: ${message.text()}`) })
page.on('pageerror', (error) => results.consoleErrors.push(`${page.url()}: ${error.message}`))

async function tabTo (selector, limit = 60) {
  // Keyboard only: press Tab until the element has focus.
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press('Tab')
    if (await page.evaluate((s) => document.activeElement && document.activeElement.matches(s), selector)) return
  }
  throw new Error(`could not reach ${selector} with the Tab key`)
}

function totp (secret) {
  // RFC 6238 (SHA-1, 6 digits, 30 s) as the authenticator app would show it, for a second person signing in later.
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
  let bits = ''
  for (const c of secret.replace(/=+$/, '').toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, '0')
  const key = []
  for (let i = 0; i + 8 <= bits.length; i += 8) key.push(parseInt(bits.slice(i, i + 8), 2))
  const counter = Buffer.alloc(8)
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30000)))
  const mac = createHmac('sha1', Buffer.from(key)).update(counter).digest()
  const at = mac[mac.length - 1] & 0xf
  return String((mac.readUInt32BE(at) & 0x7fffffff) % 1000000).padStart(6, '0')
}

async function check (name, target = page) {
  // Screenshot and axe-core (WCAG 2.0/2.1/2.2 A and AA) for a key page.
  await target.screenshot({ path: join(out, `${name}.png`), fullPage: true })
  await target.evaluate(AXE)  // through the debugging protocol, so the page's strict CSP stays on
  const found = await target.evaluate(async () => {
    const result = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } })
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }))
  })
  results.axe[name] = found
}

async function flow (name, body) {
  const started = Date.now()
  try {
    await body()
    results.flows[name] = { ok: true, ms: Date.now() - started }
  } catch (error) {
    results.flows[name] = { ok: false, error: String(error && error.stack || error) }
    await page.screenshot({ path: join(out, `${name}-failed.png`), fullPage: true }).catch(() => {})
  }
}

const base = env.BASE_URL
await flow('sign_in', async () => {
  await page.goto(`${base}/sign-in`)
  await check('sign-in')
  await tabTo('#username'); await page.keyboard.type(env.USERNAME)
  await tabTo('#password'); await page.keyboard.type(env.PASSWORD)
  await tabTo('#code'); await page.keyboard.type(env.CODE)
  await Promise.all([page.waitForURL(`${base}/`), page.keyboard.press('Enter')])
  await page.getByRole('heading', { name: 'My work' }).waitFor()
  await check('my-work')
})

await flow('search', async () => {
  await page.goto(`${base}/children/search`)
  await tabTo('#first_name'); await page.keyboard.type('Jaiden')
  await tabTo('#last_name'); await page.keyboard.type('Smith')
  await tabTo('button.govuk-button[type=submit]')
  await Promise.all([page.waitForLoadState('load'), page.keyboard.press('Enter')])
  await page.locator('#results').waitFor()
  if (page.url().includes('Jaiden')) throw new Error('search terms leaked into the URL')
  await check('search-results')
  await tabTo(`a[href="/children/${env.CHILD_REF}"]`)
  await Promise.all([page.waitForURL(`${base}/children/${env.CHILD_REF}`), page.keyboard.press('Enter')])
})

await flow('child_page', async () => {
  await page.goto(`${base}/children/${env.CHILD_REF}`)
  await page.locator('.moj-timeline').first().waitFor({ state: 'attached' })
  await check('child')
  await page.getByRole('tab', { name: 'Chronology' }).click()
  await page.selectOption('#filter-kind', 'arrest')
  await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Filter' }).click()])
  const count = await page.locator('#chronology .moj-timeline__item').count()
  if (count !== 4) throw new Error(`expected 4 arrests after filtering, saw ${count}`)
  await page.getByRole('tab', { name: 'Network' }).click()
  await page.locator('#child-graph canvas').first().waitFor({ state: 'attached' })
  await page.screenshot({ path: join(out, 'child-network.png'), fullPage: true })
})

await flow('complete_task', async () => {
  await page.goto(`${base}/tasks/${env.TASK_ID}`)
  await check('task')
  await tabTo('#outcome'); await page.keyboard.press('Space')
  await tabTo('#reason'); await page.keyboard.type('Lifestyle choice; return home interview offered and accepted')
  await page.locator('.rch-language-prompt').waitFor()  // the live prompt, while typing
  await tabTo('button.govuk-button[type=submit]')
  await Promise.all([page.waitForURL(/\/\?done=/), page.keyboard.press('Enter')])
  await page.locator('.govuk-notification-banner--success').waitFor()
})

await flow('review_decision', async () => {
  await page.goto(`${base}/reviews/identity/${env.REVIEW_ID}`)
  await check('review')
  await tabTo('#decision'); await page.keyboard.press('Space')
  await tabTo('#reason'); await page.keyboard.type('Same school, same address history')
  await tabTo('button.govuk-button[type=submit]')
  await Promise.all([page.waitForURL(/\/reviews\/identity\?decided=/), page.keyboard.press('Enter')])
})

await flow('download_report', async () => {
  // The social worker may not see aggregate statistics; a data analyst signs in separately to read and download.
  const refused = await page.goto(`${base}/dashboard`)
  if (refused.status() !== 403) throw new Error(`a social worker saw the dashboard (${refused.status()})`)
  const analyst = await context.browser().newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } })
  analyst.on('request', (request) => {
    const url = new URL(request.url())
    if (url.hostname !== '127.0.0.1' && !['data:', 'blob:'].includes(url.protocol)) results.offsite.push(request.url())
  })
  const board = await analyst.newPage()
  board.setDefaultTimeout(10000)
  board.on('console', (message) => { if (message.type() === 'error') results.consoleErrors.push(`${board.url()}: ${message.text()}`) })
  board.on('pageerror', (error) => results.consoleErrors.push(`${board.url()}: ${error.message}`))
  await board.goto(`${base}/sign-in`)
  await board.fill('#username', env.ANALYST_USERNAME)
  await board.fill('#password', env.PASSWORD)
  await board.fill('#code', totp(env.ANALYST_SECRET))
  await Promise.all([board.waitForURL(`${base}/dashboard`), board.getByRole('button', { name: /Sign in/ }).click()])
  await board.getByRole('heading', { name: 'Area dashboard' }).waitFor()
  await check('dashboard', board)
  // Choose the area and financial year with the form, then read the known figures from the tables.
  await board.selectOption('#area', env.DASHBOARD_AREA)
  await board.selectOption('#from_year', env.DASHBOARD_YEAR)
  await board.selectOption('#to_year', env.DASHBOARD_YEAR)
  await Promise.all([board.waitForURL(/area=/), board.getByRole('button', { name: 'Show statistics' }).click()])
  const row = (label) => board.locator('#table-missing tr', { has: board.locator('th', { hasText: new RegExp(`^${label}$`) }) }).locator('td').first()
  const girls = (await row('Children missing from care: girls').innerText()).trim()
  const episodes = (await row('Missing episodes from care: girls').innerText()).trim()
  const expected = Number(env.MISSING_GIRLS)
  if (girls !== String(expected) || episodes !== String(expected * 2)) throw new Error(`dashboard shows ${girls} girls, ${episodes} episodes`)
  if (await board.locator('#table-missing svg.rch-chart rect').count() < 1) throw new Error('no chart for the missing table')
  await board.locator('#table-missing .govuk-details__summary').click()
  await board.locator('#table-missing .govuk-details__text').getByText('Distinct children with at least one missing episode', { exact: false }).first().waitFor()
  await check('dashboard-statistics', board)
  await board.getByRole('tab', { name: 'Police' }).click()
  await board.locator('#table-arrests').waitFor()
  await check('dashboard-police', board)
  await board.getByRole('tab', { name: 'Missing children' }).click()
  const [csv] = await Promise.all([board.waitForEvent('download'), board.getByRole('link', { name: 'Download as CSV' }).click()])
  const path = join(out, 'counting-lives.csv')
  await csv.saveAs(path)
  const text = readFileSync(path, 'utf8')
  if (!text.includes(`Children missing from care: girls,${expected},`)) throw new Error('the CSV lacks the dashboard figure')
  const [xlsx] = await Promise.all([board.waitForEvent('download'), board.getByRole('link', { name: /XLSX/ }).click()])
  await xlsx.saveAs(join(out, 'counting-lives.xlsx'))
  if (readFileSync(join(out, 'counting-lives.xlsx')).subarray(0, 2).toString() !== 'PK') throw new Error('the XLSX is not a workbook')
  const [json] = await Promise.all([board.waitForEvent('download'), board.getByRole('link', { name: /JSON/ }).click()])
  await json.saveAs(join(out, 'counting-lives.json'))
  const cells = JSON.parse(readFileSync(join(out, 'counting-lives.json'), 'utf8')).cells
  const total = cells.find((c) => c.statistic === 'missing_children' && Object.keys(c.dims).length === 0)
  if (!total || total.value !== expected) throw new Error('the JSON lacks the dashboard figure')
  await analyst.close()
})

await flow('other_pages', async () => {
  for (const [name, path] of [['network', '/network'], ['mace', '/mace'], ['rules', '/rules'], ['language', '/help/language'], ['not-found', '/children/RCH-NOTHERE']]) {
    await page.goto(`${base}${path}`)
    await check(name)
  }
})

await browser.close()
writeFileSync(join(out, 'results.json'), JSON.stringify(results, null, 2))
