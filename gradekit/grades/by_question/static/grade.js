// Grade-by-question page: rubric buttons, keyboard (j/k, digits, s, c), saving through the JSON API.
(function () {
  "use strict";
  var container = document.getElementById("groups");
  if (!container) { return; }
  var groups = Array.prototype.slice.call(container.querySelectorAll("article.group"));
  var xsrf = document.querySelector('meta[name="xsrf-token"]').getAttribute("content");
  var current = -1;

  function focusGroup(index) {
    if (!groups.length) { return; }
    index = Math.max(0, Math.min(groups.length - 1, index));
    if (current >= 0) { groups[current].classList.remove("current"); }
    current = index;
    groups[current].classList.add("current");
    groups[current].focus({preventScroll: true});
    groups[current].scrollIntoView({block: "start", behavior: "auto"});
  }

  function setStatus(group, text, ok) {
    var status = group.querySelector(".status");
    status.textContent = text;
    status.className = "status " + (ok ? "ok" : "failed");
  }

  function save(group) {
    var students = Array.prototype.slice.call(group.querySelectorAll("input.member:checked"))
      .map(function (box) { return box.value; });
    var raw = group.querySelector("input.score").value.trim();
    var score = raw === "" ? null : Number(raw.replace(",", "."));
    if (score !== null && isNaN(score)) { setStatus(group, "the score is not a number", false); return; }
    if (!students.length) { setStatus(group, "check at least one student", false); return; }
    var comment = group.querySelector("textarea.comment").value;
    setStatus(group, "saving…", true);
    fetch(container.getAttribute("data-api"), {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-XSRFToken": xsrf},
      body: JSON.stringify({students: students, score: score, comment: comment})
    }).then(function (response) {
      return response.json().then(function (body) { return {ok: response.ok, body: body}; });
    }).then(function (result) {
      if (!result.ok) { setStatus(group, "not saved: " + result.body.error, false); return; }
      students.forEach(function (token) {
        var cell = group.querySelector('.member-score[data-token="' + token + '"]');
        if (cell) { cell.textContent = score === null ? "—" : String(score); }
      });
      group.classList.add("graded");
      group.querySelector(".state").textContent = score === null ? "cleared" : "score " + score;
      document.getElementById("graded").textContent = result.body.graded;
      setStatus(group, "saved for " + result.body.saved + " student" + (result.body.saved === 1 ? "" : "s"), true);
    }).catch(function (error) {
      setStatus(group, "not saved: " + error, false);
    });
  }

  function pickLevel(group, button) {
    group.querySelector("input.score").value = button.getAttribute("data-points");
    group.querySelector("textarea.comment").value = button.getAttribute("data-comment");
    save(group);
  }

  groups.forEach(function (group, index) {
    group.addEventListener("click", function () {
      if (current !== index) {
        if (current >= 0) { groups[current].classList.remove("current"); }
        current = index;
        group.classList.add("current");
      }
    });
    group.querySelectorAll("button.level").forEach(function (button) {
      button.addEventListener("click", function () { pickLevel(group, button); });
    });
    group.querySelector("button.save").addEventListener("click", function () { save(group); });
  });

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var typing = target && (target.tagName === "INPUT" && target.type !== "checkbox" || target.tagName === "TEXTAREA");
    if (typing) {
      if (event.key === "Escape") { target.blur(); }
      else if (event.key === "Enter" && (event.ctrlKey || target.tagName === "INPUT") && current >= 0) {
        event.preventDefault();
        save(groups[current]);
      }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (event.key === "j") { focusGroup(current + 1); }
    else if (event.key === "k") { focusGroup(current - 1); }
    else if (current >= 0 && /^[1-9]$/.test(event.key)) {
      var levels = groups[current].querySelectorAll("button.level");
      var level = levels[Number(event.key) - 1];
      if (level) { pickLevel(groups[current], level); }
    } else if (current >= 0 && event.key === "s") { save(groups[current]); }
    else if (current >= 0 && event.key === "c") {
      event.preventDefault();
      groups[current].querySelector("textarea.comment").focus();
    } else { return; }
  });
})();
