// A finder over a grid of picks (the matrix builder's looks): typing narrows the cards to those
// whose words hold every word typed; a card that is ticked stays in sight, so that what will be
// queued is never hidden.
(function () {
  "use strict";
  for (const input of document.querySelectorAll("input[data-filter]")) {
    const cards = document.querySelectorAll(input.dataset.filter);
    const none = document.getElementById(input.dataset.filterNone);
    const apply = () => {
      const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      let found = 0;
      for (const card of cards) {
        const match = words.every((word) => card.dataset.words.includes(word));
        card.hidden = !match && card.querySelector("input:checked") === null;
        found += match ? 1 : 0;
      }
      none.hidden = found > 0;
    };
    input.addEventListener("input", apply);
    apply(); // a value the browser kept on going back
  }
})();
