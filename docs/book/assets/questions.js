// SPDX-License-Identifier: BSD-2-Clause
//
// The questions after each stage of the main exercise (xtask/src/book/questions.rs makes them, and
// their answers, from the stage's recordings). An answer is checked here, in the page: then the
// page says whether it was right, and shows the right answer, why, and the walk that shows it.
// Nothing is sent anywhere; the answers are in the page (data-answer).
(function () {
  "use strict";

  // A number as a reader types one: decimal, or hexadecimal with 0x; an address is hexadecimal
  // with or without 0x. Underscores and spaces are ignored (0xA0_0000_0000).
  function parse(text, address) {
    var t = text.replace(/[_\s]/g, "").toLowerCase();
    if (/^0x[0-9a-f]+$/.test(t)) {
      return BigInt(t);
    }
    if (address && /^[0-9a-f]+$/.test(t)) {
      return BigInt("0x" + t);
    }
    if (/^[0-9]+$/.test(t)) {
      return BigInt(t);
    }
    return null;
  }

  function check(question) {
    var note = question.querySelector(".question-note");
    var kind = question.dataset.kind;
    var right, given;
    note.textContent = "";
    if (kind === "choice") {
      var picked = question.querySelector("input[type=radio]:checked");
      if (!picked) {
        note.textContent = "Choose an answer first.";
        return;
      }
      right = picked.value === question.dataset.answer;
      given = picked.parentElement.textContent.trim();
    } else {
      var input = question.querySelector("input.question-input");
      var value = parse(input.value, kind === "address");
      if (value === null) {
        note.textContent =
          kind === "address" ? "Give an address in hexadecimal: 0x1000." : "Give a number: 12, or 0xc.";
        return;
      }
      right = value === BigInt(question.dataset.answer);
      given = input.value.trim();
    }
    question.dataset.verdict = right ? "right" : "wrong";
    question.querySelector(".question-verdict").textContent = right
      ? "Right."
      : "Not quite: you answered " + given + ".";
    question.querySelector(".question-feedback").hidden = false;
  }

  document.querySelectorAll(".question").forEach(function (question) {
    question.querySelector("form").addEventListener("submit", function (event) {
      event.preventDefault();
      check(question);
    });
  });
})();
