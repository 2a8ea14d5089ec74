// The shot page's keys: ← and → step through the board's shots, S shortlists (or takes off the
// shortlist) the render shown. Keys typed into a field are left alone.
(function () {
  "use strict";
  document.addEventListener("keydown", (event) => {
    if (event.metaKey || event.ctrlKey || event.altKey) return;
    if (event.target.closest("input, textarea, select, [contenteditable]")) return;
    const target = {
      ArrowLeft: "a[rel=prev]",
      ArrowRight: "a[rel=next]",
      s: "[data-key=s]",
      S: "[data-key=s]",
    }[event.key];
    const element = target && document.querySelector(target);
    if (element) {
      event.preventDefault();
      element.click();
    }
  });
})();
