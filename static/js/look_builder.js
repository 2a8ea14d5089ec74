// The look builder's search: typing narrows the catalogue's cards to those whose name or SKU
// has every word typed. Chosen garments always stay in view; a slot with nothing to show hides.
(function () {
  "use strict";
  const search = document.getElementById("pick-search");
  if (!search) return;
  search.hidden = false;

  function narrow() {
    const words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    for (const slot of document.querySelectorAll(".pick-slot")) {
      let shown = 0;
      for (const card of slot.querySelectorAll(".pick")) {
        const chosen = card.querySelector("input[type=checkbox]").checked;
        const match = words.every((word) => card.dataset.search.includes(word));
        card.hidden = !(chosen || match);
        if (!card.hidden) shown += 1;
      }
      slot.hidden = shown === 0;
    }
  }
  search.addEventListener("input", narrow);
  // Enter in the search box narrows; it does not send the form.
  search.addEventListener("keydown", (event) => {
    if (event.key === "Enter") event.preventDefault();
  });
})();
