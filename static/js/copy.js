// A Copy button for text shown once (the new API token): copies its target's text and says so.
// The button stays hidden without JavaScript or a clipboard (plain HTTP other than localhost).
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll("[data-copy]"), function (button) {
    var target = document.querySelector(button.dataset.copy);
    if (!target || !navigator.clipboard) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(target.textContent.trim()).then(
        function () { button.textContent = "Copied"; },
        function () { button.textContent = "Select and copy it by hand"; });
    });
  });
})();
