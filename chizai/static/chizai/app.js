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

document.documentElement.classList.add("js");

// The menu button of small screens: shows and hides the navigation (aria-expanded tells screen readers).
document.addEventListener("click", (event) => {
  const toggle = event.target.closest(".nav-toggle");
  if (!toggle) return;
  const nav = document.getElementById(toggle.getAttribute("aria-controls"));
  const open = toggle.getAttribute("aria-expanded") !== "true";
  toggle.setAttribute("aria-expanded", String(open));
  nav.classList.toggle("open", open);
});

// Wide tables scroll inside their own box instead of pushing the page sideways; the box is focusable so the
// keyboard can scroll it, and named after the table's caption or the nearest heading.
function wrapTables(root) {
  root.querySelectorAll("table").forEach((table) => {
    if (table.closest("td, th")) return;
    const wrapped = table.parentElement.classList.contains("table-scroll");
    if (wrapped && table.parentElement.hasAttribute("role")) return;
    const box = wrapped ? table.parentElement : document.createElement("div");
    box.classList.add("table-scroll");
    box.tabIndex = 0;
    box.setAttribute("role", "region");
    let name = table.caption ? table.caption.textContent : "";
    if (!name) {
      const section = table.closest("section, main");
      const heading = section ? section.querySelector("h1, h2, h3") : null;
      name = heading ? heading.textContent : "表";
    }
    let label = `${name.trim().slice(0, 60)}（表）`;
    for (let n = 2; document.querySelector(`[aria-label="${CSS.escape(label)}"]`); n += 1) {
      label = `${name.trim().slice(0, 60)}（表${n}）`;
    }
    box.setAttribute("aria-label", label);
    if (!wrapped) {
      table.parentNode.insertBefore(box, table);
      box.appendChild(table);
    }
  });
}
wrapTables(document);
document.addEventListener("htmx:afterSettle", (event) => wrapTables(event.target));
