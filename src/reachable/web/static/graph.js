// Draws a network neighbourhood with cytoscape.js; the table beside it carries the same facts without script.
/* global cytoscape */
const KIND_COLOURS = { child: '#1d70b8', adult: '#d4351c', place: '#00703c', line: '#912b88', vehicle: '#505a5f', group: '#f47738' }

for (const box of document.querySelectorAll('.rch-graph[data-src]')) {
  const response = await fetch(box.dataset.src, { credentials: 'same-origin' })
  if (!response.ok) continue
  const { elements } = await response.json()
  const cy = cytoscape({
    container: box,
    elements,
    layout: { name: 'cose', animate: false },
    maxZoom: 1.5,
    style: [
      { selector: 'node', style: { label: 'data(label)', 'background-color': (n) => KIND_COLOURS[n.data('kind')] || '#505a5f', color: '#0b0c0c', 'font-size': 12, 'text-valign': 'bottom' } },
      { selector: 'node[?centre]', style: { 'border-width': 4, 'border-color': '#0b0c0c' } },
      { selector: 'edge', style: { width: 2, 'line-color': '#b1b4b6', 'curve-style': 'bezier', label: 'data(label)', 'font-size': 10 } },
      { selector: 'edge[basis = "intelligence"]', style: { 'line-style': 'dashed' } }
    ]
  })
  cy.on('tap', 'node', (event) => { window.location.href = event.target.data('href') })
}
