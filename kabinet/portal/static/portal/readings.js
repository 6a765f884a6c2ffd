/* Readings page: live "will be sent" values and the mode colours. The page works without it: the
   server calculates the same values on the confirmation step and checks them again on confirm. */
(function () {
  "use strict";
  var texts = JSON.parse((document.getElementById("readings-messages") || {}).textContent || "{}");
  var THIN = "\u202f", NBSP = "\u00a0";

  function parse(text) {
    text = (text || "").trim();
    if (!text) return null;
    if (!/^[0-9]*(?:[.,][0-9]*)?$/.test(text) || !/[0-9]/.test(text)) return NaN;
    return Number(text.replace(",", "."));
  }

  function format(number, decimals, unit) {
    var text = number.toFixed(decimals);
    if (text.indexOf(".") >= 0) text = text.replace(/0+$/, "").replace(/\.$/, "");
    var parts = text.split(".");
    var whole = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, THIN);
    return whole + (parts[1] ? "," + parts[1] : "") + (unit ? NBSP + unit : "");
  }

  function modeOf(card) {
    var checked = card.querySelector(".mode-switch input:checked");
    return checked ? checked.value : "reading";
  }

  function update(input, mode) {
    var result = document.getElementById(input.id + "_result");
    if (!result) return;
    var out = result.querySelector(".result-text");
    var number = parse(input.value);
    var decimals = Number(input.dataset.decimals || 3);
    var unit = input.dataset.unit || "";
    var previous = input.dataset.previous === "" ? null : Number(input.dataset.previous);
    var capacity = Math.pow(10, Number(input.dataset.digits || 5));
    result.classList.remove("result-problem");
    if (number === null) { out.textContent = "—"; return; }
    if (isNaN(number)) { out.textContent = texts.invalid; result.classList.add("result-problem"); return; }
    var value, consumption;
    if (mode === "consumption") {
      if (previous === null) { out.textContent = texts.noPrevious; result.classList.add("result-problem"); return; }
      consumption = number;
      value = previous + number;
      if (value >= capacity) value -= capacity;
    } else {
      value = number;
      if (previous !== null) {
        if (number < previous) {
          out.textContent = format(value, decimals, unit) + ". " + texts.below;
          result.classList.add("result-problem");
          return;
        }
        consumption = number - previous;
      }
    }
    out.textContent = texts.reading + " " + format(value, decimals, unit) +
      (consumption === undefined ? "" : " · " + texts.consumption.toLowerCase() + " " + format(consumption, decimals, unit));
  }

  function refresh(card) {
    var mode = modeOf(card);
    card.classList.toggle("mode-reading", mode === "reading");
    card.classList.toggle("mode-consumption", mode === "consumption");
    card.querySelectorAll(".reading-input").forEach(function (input) { update(input, mode); });
  }

  document.querySelectorAll(".meter-card").forEach(function (card) {
    if (!card.querySelector(".reading-input")) return;
    card.addEventListener("input", function (event) {
      if (event.target.classList.contains("reading-input")) update(event.target, modeOf(card));
    });
    card.addEventListener("change", function (event) {
      if (event.target.type === "radio") refresh(card);
    });
    refresh(card);
  });
})();
