// Progressive enhancement only: every form works without this file.
document.addEventListener("change", (event) => {
  const select = event.target.closest("select[data-autosubmit]");
  if (select && select.form) select.form.submit();
});
document.querySelectorAll("select[data-autosubmit]").forEach((select) => {
  const button = select.form && select.form.querySelector("button[type=submit]");
  if (button) button.hidden = true;
});
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  navigator.clipboard.writeText(button.dataset.copy).then(() => { button.dataset.copied = "true"; });
});
