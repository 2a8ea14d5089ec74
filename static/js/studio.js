// What every page does, without inline handlers (the Content-Security-Policy allows scripts
// from the studio's own files only): a select marked data-autosubmit sends its form when
// changed; a message's dismiss button removes the message.
document.addEventListener("change", (event) => {
  const select = event.target.closest("select[data-autosubmit]");
  if (select) select.form.submit();
});
document.addEventListener("click", (event) => {
  const dismiss = event.target.closest(".message .dismiss");
  if (dismiss) dismiss.closest(".message").remove();
});
