// Runs first: records script errors and blocked requests so the browser tests (and a reader's
// developer tools) see them; the page itself never reports anywhere.
window.__faultline = { errors: [], ready: false };
window.addEventListener("error", function (e) { window.__faultline.errors.push("error: " + e.message); });
window.addEventListener("securitypolicyviolation", function (e) {
  window.__faultline.errors.push("blocked by CSP: " + e.violatedDirective + " " + e.blockedURI);
});
(function () {
  var original = console.error;
  console.error = function () {
    window.__faultline.errors.push("console.error: " + Array.prototype.join.call(arguments, " "));
    return original.apply(console, arguments);
  };
})();
