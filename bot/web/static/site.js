// Progressive enhancement only: every page works without this file.
// Filters apply as soon as a choice changes (the Apply button stays for keyboards and no-JS).
document.querySelectorAll("form[data-autosubmit] select").forEach(function (select) {
  select.addEventListener("change", function () { select.form.submit(); });
});
