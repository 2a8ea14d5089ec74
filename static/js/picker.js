// Pickers that search the server (htmx, see the templates): the look builder's garments and the
// matrix builder's looks. The search box asks for the cards that match, less those chosen (sent
// along). A card ticked among the results moves up to the chosen ones, so that the next search
// keeps it; one unticked there goes back, and the results are searched again to show it where it
// belongs.
(function () {
  "use strict";
  for (const picker of document.querySelectorAll("[data-picker]")) {
    const chosen = picker.querySelector(".picker-chosen");
    const search = picker.querySelector(".picker-search");
    const empty = picker.querySelector(".picker-empty");
    search.closest(".pick-filters").hidden = false;

    picker.addEventListener("change", (event) => {
      const box = event.target;
      if (!(box instanceof HTMLInputElement) || box.name !== picker.dataset.picker) return;
      const card = box.closest(".pick");
      card.classList.toggle("chosen", box.checked);
      if (box.checked && !chosen.contains(card)) {
        chosen.append(card);
      } else if (!box.checked && chosen.contains(card)) {
        card.remove();
        htmx.trigger(search, "search");
      }
      if (empty) empty.hidden = chosen.querySelector(".pick") !== null;
    });
    // Enter in the search box searches; it does not send the form.
    search.addEventListener("keydown", (event) => {
      if (event.key === "Enter") event.preventDefault();
    });
  }
})();
