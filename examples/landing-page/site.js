// Tostado demo: wires the page's buttons and the lead form to Rastro. `window.rastro` is defined by
// the loader snippet in <head>, so these calls are queued until rastro.js has loaded.
;(function () {
  // Every element with data-cta: hero, product and about-page buttons.
  document.querySelectorAll('[data-cta]').forEach(function (element) {
    element.addEventListener('click', function () {
      var properties = { cta: element.getAttribute('data-cta') }
      var card = element.closest('.product-card')
      if (card) {
        properties.product_id = card.getAttribute('data-product-id')
        properties.name = card.getAttribute('data-product-name')
        properties.price = Number(card.getAttribute('data-price'))
        properties.currency = 'EUR'
        var status = document.getElementById('cart-status')
        status.textContent =
          element.textContent.trim() === 'Buy'
            ? properties.name + ' is in your bag.'
            : 'Tasting notes for ' + properties.name + ' are on the bag. Ask us anything!'
        status.classList.add('visible')
      }
      window.rastro.track('CTA Clicked', properties)
    })
  })

  // The lead form: validated here, sent as one event, answered in place (no navigation).
  var form = document.getElementById('lead-form')
  if (!form) return
  form.addEventListener('submit', function (event) {
    event.preventDefault()
    var name = form.elements.name.value.trim()
    var email = form.elements.email.value.trim()
    var phone = form.elements.phone.value.trim()
    var error = document.getElementById('lead-error')
    if (!name || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
      error.hidden = false
      return
    }
    error.hidden = true
    // What a shop sends for a lead: the contact fields the CRM needs (the collector hashes email
    // and phone before any ad platform sees them) and non-personal context. Nothing else.
    window.rastro.track('Lead Created', {
      form: 'wholesale',
      interest: form.elements.interest.value,
      name: name,
      email: email,
      phone: phone || undefined,
    })
    form.hidden = true
    document.getElementById('lead-thanks').hidden = false
  })
})()
