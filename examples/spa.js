// A single-page app: the checkout view is created when the customer opens "Join" and thrown away
// when they leave it. The widget's settings (and the customer's token) go through the JS API,
// never through the DOM; its events are logged to show what a host can listen to.
const views = {
  '#/': () => paragraph('Welcome back! Open “Join” to buy a membership.'),
  '#/classes': () => paragraph('Yoga 7am · HIIT 12pm · Spin 6pm'),
  '#/join': () => {
    const checkout = document.createElement('membership-checkout');
    checkout.id = 'checkout';
    MembershipCheckout.mount(checkout, {
      apiBase: '/api/v2', providerId: 100, token: 'demo-customer-token', locale: 'en-GB',
    });
    return checkout;
  },
};

function paragraph(text) {
  const p = document.createElement('p');
  p.textContent = text;
  return p;
}

function show() {
  const view = views[location.hash] || views['#/'];
  document.getElementById('view').replaceChildren(view());
}

const activity = document.getElementById('activity');
for (const name of ['ready', 'selection-change', 'purchase-initiated', 'redirect', 'expired', 'error']) {
  document.addEventListener(`membership-checkout:${name}`, event => {
    activity.textContent += `${name} ${JSON.stringify(event.detail)}\n`;
  });
}

window.addEventListener('hashchange', show);
show();
