// Progressive enhancement only: every page works without this file.
import { initAll as initGovuk } from '/static/vendor/govuk-frontend.min.js'
import { initAll as initMoj } from '/static/vendor/moj-frontend.min.js'

initGovuk()
initMoj()

// Victim-first language prompts as the person types (the server checks again when the form is sent).
function debounce (fn, wait) {
  let timer
  return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), wait) }
}

function csrfToken (form) {
  const input = form.querySelector('input[name="csrf_token"]')
  return input ? input.value : ''
}

for (const field of document.querySelectorAll('textarea[data-language-check]')) {
  const box = document.getElementById(field.id + '-language')
  const reviewed = field.form.querySelector('input[name="language_reviewed"]')
  if (!box) continue
  const check = debounce(async () => {
    const body = new URLSearchParams({ text: field.value, csrf_token: csrfToken(field.form), child: field.dataset.child || '' })
    const response = await fetch('/language/check', { method: 'POST', body, credentials: 'same-origin' })
    if (!response.ok) return
    const html = await response.text()
    box.innerHTML = html
    // The person has now seen the prompts as they typed, so the server need not stop them again.
    if (reviewed) reviewed.value = html.trim() ? '1' : ''
  }, 400)
  field.addEventListener('input', check)
}
