// The look builder: the search box and the season ask the server for the catalogue's cards that
// match (htmx, see the template), less the garments chosen. A garment picked from the catalogue moves up to
// the chosen ones, so that the next search keeps it; one unpicked there goes back to the
// catalogue, which is searched again to show it where it belongs.
(function () {
  "use strict";
  const chosen = document.getElementById("chosen");
  const search = document.getElementById("pick-search");
  if (!chosen || !search) return;
  const empty = document.getElementById("chosen-empty");
  search.closest(".pick-filters").hidden = false;

  document.addEventListener("change", (event) => {
    const box = event.target;
    if (!(box instanceof HTMLInputElement) || box.name !== "garments") return;
    const card = box.closest(".pick");
    card.classList.toggle("chosen", box.checked);
    if (box.checked && !chosen.contains(card)) {
      chosen.append(card);
    } else if (!box.checked && chosen.contains(card)) {
      card.remove();
      htmx.trigger(search, "search");
    }
    empty.hidden = chosen.querySelector(".pick") !== null;
  });
  // Enter in the search box searches; it does not send the form.
  search.addEventListener("keydown", (event) => {
    if (event.key === "Enter") event.preventDefault();
  });
})();
