// Lists anything this page's Content-Security-Policy blocks (a studio's developer checking their
// policy would do the same). Loaded before everything else on strict-csp.html.
document.addEventListener('securitypolicyviolation', event => {
  const line = `${event.effectiveDirective}: ${event.blockedURI || 'inline'}`;
  const show = () => {
    const out = document.getElementById('csp-violations');
    out.textContent = out.textContent ? `${out.textContent}; ${line}` : line;
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', show); else show();
});
