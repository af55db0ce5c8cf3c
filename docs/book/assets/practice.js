// SPDX-License-Identifier: BSD-2-Clause
//
// The practice page: address-translation problems for the reader's architecture, each made from
// a number, its seed, which the page's address carries (?seed=N) so that a problem can be shared.
// Each architecture's kit (xtask/src/book/practice.rs, in the page) holds entries its kernel wrote,
// moved to other physical addresses, each with what the walk's decoder says of it. This script
// only picks an address and entries, puts each where the address's bits select it, adds the
// offset, and draws the answer as `make walk` draws a walk. Nothing is sent anywhere.
(function () {
  "use strict";

  var parts = document.querySelectorAll(".practice");
  if (parts.length === 0) {
    return;
  }

  // mulberry32: a small sequence of 32-bit numbers from a 32-bit seed.
  function sequence(seed) {
    var a = seed >>> 0;
    return function () {
      a = (a + 0x6d2b79f5) >>> 0;
      var t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return (t ^ (t >>> 14)) >>> 0;
    };
  }

  function below(next, n) {
    return next() % n;
  }

  function pick(next, list) {
    return list[below(next, list.length)];
  }

  // `count` random bits, as a BigInt.
  function bits(next, count) {
    var value = 0n;
    for (var done = 0; done < count; done += 32) {
      value = (value << 32n) | BigInt(next());
    }
    return value & ((1n << BigInt(count)) - 1n);
  }

  function hex(value) {
    return "0x" + value.toString(16);
  }

  function read(kit) {
    return kit.blocks.map(function (here) {
      return here.map(function (b) {
        return {
          kind: b.kind,
          raw: BigInt(b.raw),
          address: BigInt(b.kind === "table" ? b.next : b.physical),
          size: b.size === undefined ? null : BigInt(b.size),
          edge: b.edge,
          meaning: b.meaning,
        };
      });
    });
  }

  // The problem of `seed`: the address, the tables it meets (and others, off its way, that an
  // entry it does not take leads to), and the walk: an entry per level, until one is not a
  // table's.
  function problem(kit, seed) {
    var next = sequence(seed);
    var levels = kit.levels;
    var blocks = read(kit);
    var n = levels.length;
    // How the walk ends: at a page, most often at the last level, or at an empty entry.
    var endings = [];
    blocks.forEach(function (here, depth) {
      if (here.some(function (b) { return b.kind === "page"; })) {
        for (var w = 0; w < (depth === n - 1 ? 4 : 1); w++) {
          endings.push([depth, "page"]);
        }
      }
      endings.push([depth, "empty"]);
    });
    var ending = pick(next, endings);
    var address = bits(next, kit.addressBits);
    var used = {};
    used[kit.root] = true;
    // A block of `kind` ("table", "page", or either) at `depth` whose address the problem does
    // not hold yet.
    function fresh(depth, kind) {
      var of = blocks[depth].filter(function (b) {
        return (kind === "any" || b.kind === kind) && !used[hex(b.address)];
      });
      if (of.length === 0) {
        of = blocks[depth].filter(function (b) { return kind === "any" || b.kind === kind; });
      }
      var b = pick(next, of);
      used[hex(b.address)] = true;
      return b;
    }
    function index(depth) {
      var level = levels[depth];
      var mask = (1n << BigInt(level.high - level.low + 1)) - 1n;
      return Number((address >> BigInt(level.low)) & mask);
    }
    function entries(depth) {
      return Number(1n << BigInt(levels[depth].high - levels[depth].low + 1));
    }
    // One to three entries at indices other than `taken`, some leading to tables.
    function decoys(depth, table) {
      var count = 1 + below(next, 3);
      for (var k = 0; k < count; k++) {
        var at = below(next, entries(depth));
        if (table.entries[at] === undefined && at !== table.taken) {
          table.entries[at] = fresh(depth, "any");
        }
      }
    }
    var tables = [];
    var steps = [];
    var at = BigInt(kit.root);
    for (var depth = 0; depth <= ending[0]; depth++) {
      var table = { depth: depth, address: at, entries: {}, taken: index(depth) };
      var block = null;
      if (depth < ending[0]) {
        block = fresh(depth, "table");
      } else if (ending[1] === "page") {
        block = fresh(depth, "page");
      }
      if (block) {
        table.entries[table.taken] = block;
      }
      decoys(depth, table);
      tables.push(table);
      steps.push({ level: levels[depth], table: at, index: table.taken, block: block });
      if (block) {
        at = block.address;
      }
    }
    // Below where the walk ends, the tables an entry it did not take leads to: the reader
    // cannot tell where it ends from how many tables there are.
    for (depth = ending[0] + 1; depth < n; depth++) {
      var above = tables[tables.length - 1];
      var lead = Object.keys(above.entries).find(function (i) {
        return above.entries[i].kind === "table" && Number(i) !== above.taken;
      });
      if (lead === undefined) {
        lead = below(next, entries(depth - 1));
        if (lead === above.taken) {
          lead = (lead + 1) % entries(depth - 1);
        }
        above.entries[lead] = fresh(depth - 1, "table");
      }
      var off = { depth: depth, address: above.entries[lead].address, entries: {}, taken: -1 };
      decoys(depth, off);
      tables.push(off);
    }
    var last = steps[steps.length - 1];
    var answer;
    if (last.block) {
      var offset = address & (last.block.size - 1n);
      answer = { page: true, physical: last.block.address + offset, offset: offset };
    } else {
      answer = { page: false, depth: steps.length - 1 };
    }
    return { seed: seed, address: address, tables: tables, steps: steps, answer: answer };
  }

  // The walk's picture, line by line, as walk.rs's `Walk::render` draws it (less its first line).
  function picture(kit, p) {
    var cells = p.steps.map(function (s) {
      var raw = s.block ? s.block.raw : 0n;
      return [
        s.level.name + " at " + hex(s.table),
        "[" + s.index + "] bits " + s.level.high + ".." + s.level.low + "  0x" +
          raw.toString(16).padStart(kit.entryDigits, "0"),
      ];
    });
    var width = Math.max.apply(null, cells.map(function (c) {
      return Math.max(c[0].length + 2, c[1].length);
    }));
    var lines = [];
    p.steps.forEach(function (s, i) {
      var drawn = s.block || kit.invalid;
      lines.push("    ┌─ " + cells[i][0] + " " + "─".repeat(width - cells[i][0].length - 1) + "┐");
      lines.push("    │ " + cells[i][1].padEnd(width) + " " + drawn.edge + " " + drawn.meaning);
      lines.push("    └" + "─".repeat(width + 2) + "┘");
    });
    if (p.answer.page) {
      lines.push("    " + hex(p.address) + " is at offset " + hex(p.answer.offset) +
        " in that page: physical address " + hex(p.answer.physical) + ".");
    } else {
      lines.push(kit.stops[p.answer.depth]);
    }
    return lines;
  }

  function element(tag, className, text) {
    var e = document.createElement(tag);
    if (className) {
      e.className = className;
    }
    if (text !== undefined) {
      e.textContent = text;
    }
    return e;
  }

  // A walk as the book draws one (book.rs, walk_html): each row's box, and beside it what the
  // entry says, wrapped within the page.
  function walkElement(lines) {
    var pre = element("pre", "walk");
    lines.forEach(function (line) {
      var at = line.indexOf("├─> ");
      if (at < 0) {
        pre.appendChild(element("span", "walk-line", line));
      } else {
        var row = element("span", "walk-row");
        row.appendChild(element("span", "walk-box", line.slice(0, at + 4)));
        row.appendChild(element("span", "walk-text", line.slice(at + 4)));
        pre.appendChild(row);
      }
    });
    return pre;
  }

  // A number as a reader types one; an address is hexadecimal, with or without 0x.
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

  function show(part, kit, seed) {
    var p = problem(kit, seed);
    var old = part.querySelector(".practice-problem");
    if (old) {
      old.remove();
    }
    var box = element("div", "practice-problem");
    box.dataset.seed = String(seed);
    var intro = element("p");
    intro.append("Problem " + seed + ": translate ");
    intro.appendChild(element("code", "practice-address", hex(p.address)));
    intro.append(". ");
    intro.appendChild(element("code", "practice-root", kit.register + " = " + kit.registerValue));
    intro.append(": the root table, the VSpace, is at " + kit.root + ". Every entry a table " +
      "does not list is 0.");
    box.appendChild(intro);
    p.tables.forEach(function (t) {
      var level = kit.levels[t.depth];
      var table = element("table", "practice-table");
      table.appendChild(element("caption", null, level.name + " at " + hex(t.address) +
        ", indexed by bits " + level.high + ".." + level.low));
      Object.keys(t.entries).map(Number).sort(function (a, b) { return a - b; })
        .forEach(function (i) {
          var row = element("tr");
          row.appendChild(element("td", "practice-index", "[" + i + "]"));
          row.appendChild(element("td", "practice-raw",
            "0x" + t.entries[i].raw.toString(16).padStart(kit.entryDigits, "0")));
          table.appendChild(row);
        });
      box.appendChild(table);
    });
    var form = element("form", "practice-form");
    form.appendChild(element("p", "practice-ask", "Where does the walk end?"));
    var name = "practice-" + kit.arch;
    var physical = element("input", "practice-input practice-physical");
    physical.type = "text";
    physical.autocomplete = "off";
    physical.spellcheck = false;
    physical.placeholder = "0x...";
    var stop = element("select", "practice-input practice-level");
    kit.levels.forEach(function (level, depth) {
      var option = element("option", null, level.name);
      option.value = String(depth);
      stop.appendChild(option);
    });
    [["page", "At a page, at physical address ", physical],
     ["empty", "At an empty entry, in the ", stop]].forEach(function (choice) {
      var label = element("label", "practice-choice");
      var radio = element("input");
      radio.type = "radio";
      radio.name = name;
      radio.value = choice[0];
      choice[2].addEventListener("focus", function () { radio.checked = true; });
      label.append(radio, " " + choice[1], choice[2]);
      form.appendChild(label);
    });
    var check = element("button", null, "Check");
    check.type = "submit";
    var reveal = element("button", "practice-reveal", "Show the answer");
    reveal.type = "button";
    var note = element("span", "practice-note");
    form.append(check, " ", reveal, " ", note);
    box.appendChild(form);
    var feedback = element("div", "practice-feedback");
    feedback.hidden = true;
    var verdict = element("p", "practice-verdict");
    feedback.appendChild(verdict);
    feedback.appendChild(element("p", "practice-answer", p.answer.page
      ? "The answer: a page, at physical address " + hex(p.answer.physical) + "."
      : "The answer: an empty entry, in the " + kit.levels[p.answer.depth].name + "."));
    feedback.appendChild(walkElement(picture(kit, p)));
    box.appendChild(feedback);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      note.textContent = "";
      var chosen = form.querySelector("input[type=radio]:checked");
      var given = chosen && (chosen.value === "page" ? parse(physical.value, true) : Number(stop.value));
      if (!chosen || given === null) {
        note.textContent = "Choose where it ends, and give the physical address or the table.";
        return;
      }
      var right = p.answer.page
        ? chosen.value === "page" && given === p.answer.physical
        : chosen.value === "empty" && given === p.answer.depth;
      box.dataset.verdict = right ? "right" : "wrong";
      verdict.textContent = right ? "Right." : "Not quite.";
      feedback.hidden = false;
    });
    reveal.addEventListener("click", function () {
      verdict.textContent = "";
      feedback.hidden = false;
    });
    part.appendChild(box);
  }

  var kits = [];
  parts.forEach(function (part) {
    var data = part.querySelector("script.practice-kit");
    kits.push([part, JSON.parse(data.textContent)]);
  });

  // The seed of the page's address, or a new one; the address then names it, to be shared.
  function showAll(seed) {
    kits.forEach(function (k) { show(k[0], k[1], seed); });
    var url = new URL(window.location.href);
    url.searchParams.set("seed", String(seed));
    window.history.replaceState(null, "", url.toString());
    document.querySelectorAll(".practice-seed-input").forEach(function (input) {
      input.value = String(seed);
    });
  }

  function newSeed() {
    return 1 + Math.floor(Math.random() * 0xfffffffe);
  }

  kits.forEach(function (k) {
    var form = element("form", "practice-seed");
    var input = element("input", "practice-seed-input");
    input.type = "text";
    input.size = 10;
    input.setAttribute("aria-label", "Problem number");
    var go = element("button", null, "Show");
    go.type = "submit";
    var fresh = element("button", "practice-new", "New problem");
    fresh.type = "button";
    form.append("Problem number ", input, " ", go, " ", fresh);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var seed = Number(input.value.trim());
      if (Number.isInteger(seed) && seed >= 1 && seed <= 0xffffffff) {
        showAll(seed);
      }
    });
    fresh.addEventListener("click", function () { showAll(newSeed()); });
    k[0].appendChild(form);
  });

  var given = Number(new URLSearchParams(window.location.search).get("seed"));
  showAll(Number.isInteger(given) && given >= 1 && given <= 0xffffffff ? given : newSeed());
})();
