// The cut-out editor on a garment's page. The stylist paints over the packshot, green where
// the garment is and red where it is not; the strokes go to the server as a PNG at the
// packshot's size (transparent where nothing was painted), where GrabCut follows them.
(function () {
  "use strict";
  const editor = document.getElementById("cutout-editor");
  if (!editor) return;
  const packshot = editor.querySelector(".editor-packshot");
  const canvas = editor.querySelector("canvas");
  const form = editor.querySelector("form[data-strokes-form]");
  const input = form.querySelector("input[type=file]");
  const submit = form.querySelector("button[type=submit]");
  const paint = canvas.getContext("2d");
  const COLOURS = { keep: "rgb(0, 200, 0)", remove: "rgb(230, 0, 0)" };
  let last = null;

  // Painted strokes are what is sent; a file chosen by hand (no script) is the fallback. Why
  // the last strokes were refused stays in sight.
  for (const part of input.closest(".field").children) {
    if (!part.classList.contains("error")) part.style.display = "none";
  }
  submit.disabled = true;

  function ready() {
    canvas.width = packshot.naturalWidth;
    canvas.height = packshot.naturalHeight;
    editor.classList.add("ready");
  }
  if (packshot.complete && packshot.naturalWidth) ready();
  else packshot.addEventListener("load", ready);

  function at(event) {
    const box = canvas.getBoundingClientRect();
    const scale = canvas.width / box.width;
    return [(event.clientX - box.left) * scale, (event.clientY - box.top) * scale, scale];
  }

  function stroke(from, to) {
    const brush = editor.querySelector("input[name=brush]:checked").value;
    const size = Number(editor.querySelector("input[name=brush-size]").value);
    paint.strokeStyle = COLOURS[brush];
    paint.lineWidth = size * to[2];
    paint.lineCap = paint.lineJoin = "round";
    paint.beginPath();
    paint.moveTo(from[0], from[1]);
    paint.lineTo(to[0], to[1]);
    paint.stroke();
    submit.disabled = false;
  }

  canvas.addEventListener("pointerdown", (event) => {
    canvas.setPointerCapture(event.pointerId);
    last = at(event);
    stroke(last, last);
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!last) return;
    const next = at(event);
    stroke(last, next);
    last = next;
  });
  for (const type of ["pointerup", "pointercancel"]) {
    canvas.addEventListener(type, () => { last = null; });
  }

  editor.querySelector("[data-clear]").addEventListener("click", () => {
    paint.clearRect(0, 0, canvas.width, canvas.height);
    submit.disabled = true;
  });

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit.disabled = true;
    submit.textContent = "Refining…";
    canvas.toBlob((blob) => {
      const files = new DataTransfer();
      files.items.add(new File([blob], "strokes.png", { type: "image/png" }));
      input.files = files.files;
      form.submit();
    }, "image/png");
  });
})();
