// The entry grid (kpis/grid.html): Excel-like moves between cells and pasting a block copied from Excel.
// The page works without this file (a plain form); this only adds keyboard moves and paste.
"use strict";

(() => {
  const table = document.querySelector("table[data-grid]");
  if (!table) return;
  const status = document.querySelector("[data-grid-status]");
  const cells = Array.from(table.querySelectorAll("input[data-row]"));
  const at = new Map(cells.map((input) => [`${input.dataset.row},${input.dataset.col}`, input]));
  const rows = Math.max(...cells.map((c) => Number(c.dataset.row))) + 1;
  const cols = Math.max(...cells.map((c) => Number(c.dataset.col))) + 1;

  const position = (input) => [Number(input.dataset.row), Number(input.dataset.col)];
  const cell = (row, col) => at.get(`${row},${col}`);

  function move(input, dRow, dCol) {
    let [row, col] = position(input);
    row += dRow;
    col += dCol;
    const target = cell(row, col);
    if (!target) return;
    target.focus();
    target.select();
  }

  function markChanged(input) {
    const original = input.form && input.form.elements[`o-${input.name}`];
    input.classList.toggle("changed", Boolean(original) && input.value.trim() !== original.value.trim());
  }

  table.addEventListener("focusin", (event) => {
    if (event.target.matches("input[data-row]")) event.target.select();
  });

  table.addEventListener("input", (event) => {
    if (event.target.matches("input[data-row]")) markChanged(event.target);
  });

  table.addEventListener("keydown", (event) => {
    const input = event.target;
    if (!input.matches("input[data-row]") || event.altKey || event.ctrlKey || event.metaKey) return;
    const atStart = input.selectionStart === 0 && input.selectionEnd === 0;
    const atEnd = input.selectionStart === input.value.length;
    const whole = input.selectionStart === 0 && input.selectionEnd === input.value.length;
    let step = null;
    if (event.key === "Enter") step = event.shiftKey ? [-1, 0] : [1, 0];
    else if (event.key === "ArrowDown") step = [1, 0];
    else if (event.key === "ArrowUp") step = [-1, 0];
    else if (event.key === "ArrowLeft" && (atStart || whole || input.readOnly)) step = [0, -1];
    else if (event.key === "ArrowRight" && (atEnd || whole || input.readOnly)) step = [0, 1];
    if (!step) return;
    event.preventDefault(); // Enter would submit the form: in a grid it moves down, as in Excel
    move(input, step[0], step[1]);
  });

  // A block copied from Excel is text: lines separated by newlines, cells by tabs.
  table.addEventListener("paste", (event) => {
    const input = event.target;
    if (!input.matches("input[data-row]")) return;
    const text = (event.clipboardData || window.clipboardData).getData("text");
    if (!/[\t\n]/.test(text.replace(/\r?\n$/, ""))) return; // one value: the browser pastes it
    event.preventDefault();
    const lines = text.replace(/\r\n?/g, "\n").replace(/\n$/, "").split("\n");
    const [top, left] = position(input);
    let filled = 0;
    let skipped = 0;
    lines.forEach((line, i) => {
      line.split("\t").forEach((value, j) => {
        const target = cell(top + i, left + j);
        if (top + i >= rows || left + j >= cols || !target) {
          skipped += 1;
        } else if (target.readOnly) {
          skipped += 1;
        } else {
          target.value = value.trim();
          markChanged(target);
          filled += 1;
        }
      });
    });
    if (status) {
      status.textContent = `${lines.length}行の範囲を貼り付けました（${filled}セル）` +
        (skipped ? `。入力できないセル・表の外の${skipped}個の値は貼り付けていません。` : "。") +
        "「保存」を押すと保存します。";
    }
  });
})();
