// A classic script that watches the module scripts: when one of them failed to load (the browser
// aborts requests in flight when the host's network interfaces change, e.g. on the Warren host
// itself while sandboxes start), reload the page, at most a few times in a row.
(function () {
  var KEY = 'warren-boot-reloads';
  window.addEventListener('load', function () {
    setTimeout(function () {
      var n = Number(sessionStorage.getItem(KEY) || 0);
      if (window.warrenStarted) {
        sessionStorage.removeItem(KEY);
        return;
      }
      var view = document.getElementById('view');
      if (n < 3) {
        sessionStorage.setItem(KEY, String(n + 1));
        if (view) view.textContent = 'The dashboard\u2019s scripts did not load; trying again\u2026';
        setTimeout(function () { location.reload(); }, 500 * (n + 1));
      } else {
        sessionStorage.removeItem(KEY);
        if (view) view.textContent = 'The dashboard\u2019s scripts did not load. Reload the page to try again.';
      }
    }, 300);
  });
})();
