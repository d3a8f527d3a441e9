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

// Voucher order form: add lines in place and show prices as the partner types.
(() => {
  const form = document.querySelector("form.order-form");
  if (!form) return;
  const total = form.querySelector("[name=lines-TOTAL_FORMS]");
  const container = form.querySelector("#order-lines");
  const template = form.querySelector("#empty-line");
  form.querySelector("[data-add-line]").addEventListener("click", (event) => {
    event.preventDefault();
    const index = Number(total.value);
    const html = template.innerHTML.replaceAll("__prefix__", String(index));
    container.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    refresh();
  });
  let timer = null;
  const refresh = () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const response = await fetch(form.dataset.priceUrl, { method: "POST", body: new FormData(form) });
      if (!response.ok) return;
      const data = await response.json();
      form.querySelectorAll(".order-line").forEach((line, i) => {
        const row = data.lines[i] || {};
        line.querySelector("[data-line-price]").textContent = row.error || row.total || "—";
      });
      form.querySelector("#order-total").textContent = data.total;
    }, 250);
  };
  form.addEventListener("input", refresh);
  form.addEventListener("change", refresh);
  refresh();
})();

// Renew form: licence-years left after the renewal = available − licences × years, as typed.
(() => {
  const form = document.querySelector("form.renew-form");
  if (!form) return;
  const years = form.querySelector("[name=years]");
  const refresh = () => {
    form.querySelectorAll("#renewal-numbers tbody tr").forEach((row) => {
      const input = row.querySelector("input[type=number]");
      const cell = row.querySelector("[data-left]");
      const licences = Number(input && input.value);
      if (!input || input.value === "" || !Number.isInteger(licences) || licences < 0) {
        cell.textContent = "—";
        return;
      }
      const left = Number(row.dataset.available) - licences * Number(years.value);
      cell.textContent = String(left);
      cell.classList.toggle("short", left < 0);
    });
  };
  form.addEventListener("input", refresh);
  form.addEventListener("change", refresh);
})();

// Confirmation steps (U-1): an action link marked data-confirm leads to a page that says what will
// happen and asks to confirm. With this script the same page's box opens in a dialog instead; its
// form still posts as usual, and "Go back" closes the dialog.
(() => {
  if (typeof HTMLDialogElement !== "function") return;
  document.addEventListener("click", async (event) => {
    const link = event.target.closest("a[data-confirm]");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    let box = null;
    try {
      const response = await fetch(link.href, { credentials: "same-origin", headers: { "Accept": "text/html" } });
      if (response.ok) {
        const doc = new DOMParser().parseFromString(await response.text(), "text/html");
        box = doc.querySelector("section.confirm");
      }
    } catch (error) {
      box = null;
    }
    if (!box) {
      window.location.href = link.href;
      return;
    }
    const dialog = document.createElement("dialog");
    dialog.className = "confirm-dialog";
    dialog.setAttribute("aria-labelledby", "confirm-title");
    dialog.append(document.importNode(box, true));
    document.body.append(dialog);
    dialog.addEventListener("close", () => { dialog.remove(); link.focus(); });
    dialog.addEventListener("click", (closeEvent) => {
      if (closeEvent.target.closest("[data-dialog-close]")) {
        closeEvent.preventDefault();
        dialog.close();
      }
    });
    dialog.showModal();
  });
})();

// Sign-up: the browser's time zone, so an end customer's pages show their own times (U-2).
document.querySelectorAll("input[data-browser-time-zone]").forEach((input) => {
  try { input.value = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (error) { input.value = ""; }
});

// Wide tables scroll inside their own box on a phone; keyboard users can focus the box to scroll it.
document.querySelectorAll(".table-wrap").forEach((box) => {
  if (!box.hasAttribute("tabindex")) box.tabIndex = 0;
});

// Long lists (the time zones): a box above the list narrows it as you type.
document.querySelectorAll("select[data-searchable]").forEach((select) => {
  const box = document.createElement("input");
  box.type = "search";
  box.className = "select-filter";
  box.setAttribute("aria-label", select.dataset.searchable);
  box.placeholder = select.dataset.searchable;
  box.setAttribute("aria-controls", select.id);
  select.before(box);
  box.addEventListener("input", () => {
    const words = box.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    select.querySelectorAll("option").forEach((option) => {
      const text = option.textContent.toLowerCase();
      option.hidden = !option.selected && !words.every((word) => text.includes(word));
    });
    select.querySelectorAll("optgroup").forEach((group) => {
      group.hidden = ![...group.querySelectorAll("option")].some((option) => !option.hidden);
    });
  });
});
