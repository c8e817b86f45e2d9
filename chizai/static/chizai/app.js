// Behaviour the templates ask for with data attributes; the Content-Security-Policy allows no inline script.
"use strict";

// <button data-print>: print the page.
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});

// <form data-confirm="…">: ask before submitting (deleting something).
document.addEventListener("submit", (event) => {
  const message = event.target.dataset.confirm;
  if (message && !window.confirm(message)) event.preventDefault();
});

// <select data-navigate="/plans/{value}/">: go to the chosen item's page.
document.addEventListener("change", (event) => {
  const pattern = event.target.dataset.navigate;
  if (pattern) window.location = pattern.replace("{value}", encodeURIComponent(event.target.value));
});

// Print every text in full: closed <details class="full-text"> would hide it on paper.
window.addEventListener("beforeprint", () => {
  document.querySelectorAll("details.full-text").forEach((details) => { details.open = true; });
});
