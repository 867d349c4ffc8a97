// Grade-by-question page: rubric buttons, keyboard (j/k, digits, s, c), saving through the JSON API.
// A save sends only the fields the TA set (score and/or comment) with what the page showed for each
// student; the server refuses it (409) when someone else changed those grades in the meantime.
(function () {
  "use strict";
  var container = document.getElementById("groups");
  if (!container) { return; }
  var groups = Array.prototype.slice.call(container.querySelectorAll("article.group"));
  var xsrf = document.querySelector('meta[name="xsrf-token"]').getAttribute("content");
  var api = container.getAttribute("data-api");
  var maxScore = Number(container.getAttribute("data-max"));
  var SCORE = /^(\d+([.,]\d*)?|[.,]\d+)$/;
  var current = -1;

  function select(index, scroll) {
    if (!groups.length) { return; }
    index = Math.max(0, Math.min(groups.length - 1, index));
    if (current >= 0) { groups[current].classList.remove("current"); }
    current = index;
    groups[current].classList.add("current");
    if (scroll) {
      groups[current].focus({preventScroll: true});
      groups[current].scrollIntoView({block: "start", behavior: "auto"});
    }
  }

  function setStatus(group, text, ok) {
    var status = group.querySelector(".status");
    status.textContent = text;
    status.className = "status " + (ok ? "ok" : "failed");
  }

  function boxes(group, checkedOnly) {
    return Array.prototype.slice.call(group.querySelectorAll("input.member" + (checkedOnly ? ":checked" : "")));
  }

  function number(text) { return text === "" ? null : Number(text); }

  function shown(box) {  // what the page shows for a student: {score: manual score or null, comment}
    return {score: number(box.getAttribute("data-score")), comment: box.getAttribute("data-comment")};
  }

  function showStored(group, stored) {
    boxes(group, false).forEach(function (box) {
      var now = stored[box.value];
      if (!now) { return; }
      box.setAttribute("data-score", now.score === null ? "" : String(now.score));
      box.setAttribute("data-comment", now.comment);
      var cell = group.querySelector('.member-score[data-token="' + box.value + '"]');
      var auto = number(box.getAttribute("data-auto"));
      cell.textContent = now.score !== null ? String(now.score) : auto !== null ? auto + " (auto)" : "—";
    });
  }

  // Recompute a group's header, fields and their initial values from its members' stored grades.
  // force: put the stored values in the fields; otherwise a field the TA has typed in keeps its text.
  function refresh(group, force) {
    var scoreField = group.querySelector("input.score");
    var commentField = group.querySelector("textarea.comment");
    var scoreTyped = !force && scoreField.value.trim() !== scoreField.getAttribute("data-initial");
    var commentTyped = !force && commentField.value !== commentField.getAttribute("data-initial");
    var scores = {}, comments = {}, graded = true;
    boxes(group, false).forEach(function (box) {
      var data = shown(box), auto = number(box.getAttribute("data-auto"));
      var score = data.score !== null ? data.score : auto;
      scores[score === null ? "" : String(score)] = true;
      comments[data.comment] = true;
      graded = graded && score !== null;
    });
    var scoreKeys = Object.keys(scores), commentKeys = Object.keys(comments);
    var score = scoreKeys.length === 1 ? scoreKeys[0] : "";
    var comment = commentKeys.length === 1 ? commentKeys[0] : "";
    scoreField.setAttribute("data-initial", score);
    scoreField.placeholder = scoreKeys.length > 1 ? "different" : "";
    commentField.setAttribute("data-initial", comment);
    commentField.placeholder = commentKeys.length > 1 ? "different comments: kept unless you type one" : "";
    if (!scoreTyped) { scoreField.value = score; scoreField.removeAttribute("aria-invalid"); }
    if (!commentTyped) { commentField.value = comment; }
    group.classList.toggle("graded", graded);
    group.querySelector(".state").textContent = scoreKeys.length > 1 ? "different scores"
      : graded ? "score " + (score === "" ? "—" : score) : "not graded";
  }

  function plural(count) { return count + " student" + (count === 1 ? "" : "s"); }

  function matches(sent, stored, tokens) {
    return tokens.every(function (token) {
      var now = stored[token];
      return now && (!("score" in sent) || now.score === (sent.score === "clear" ? null : sent.score))
        && (!("comment" in sent) || now.comment === sent.comment);
    });
  }

  // After a save whose reply never came: read what is stored and say whether the save went through.
  function check(group, sent, tokens, attempt) {
    fetch(api + "?students=" + tokens.join(","), {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) {
        if (response.redirected || response.status === 401 || response.status === 403) {
          return null;
        }
        if (!response.ok || (response.headers.get("Content-Type") || "").indexOf("application/json") < 0) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      }).then(function (body) {
        if (body === null) {
          setStatus(group, "unknown whether this was saved: the connection broke and you are logged out; " +
            "log in to the Jupyter server again, then reload the page to see the stored grades", false);
          return;
        }
        showStored(group, body.stored);
        refresh(group, matches(sent, body.stored, tokens));
        if (matches(sent, body.stored, tokens)) {
          setStatus(group, "saved for " + plural(tokens.length) + " (checked after the connection broke)", true);
        } else {
          setStatus(group, "not saved: the connection to the server broke; the grades shown are the stored ones", false);
        }
      }).catch(function () {
        if (attempt < 3) {
          setTimeout(function () { check(group, sent, tokens, attempt + 1); }, 1500);
        } else {
          setStatus(group, "no connection to the server: unknown whether this was saved; " +
            "reload the page when the server is back to see the stored grades", false);
        }
      });
  }

  // Send one decision: sent = {score: number | "clear"} and/or {comment: text}.
  function send(group, sent) {
    var checked = boxes(group, true);
    if (!checked.length) { setStatus(group, "check at least one student", false); return; }
    var tokens = checked.map(function (box) { return box.value; });
    var expected = {};
    checked.forEach(function (box) { expected[box.value] = shown(box); });
    var body = {students: tokens, expected: expected};
    if ("score" in sent) { body.score = sent.score; }
    if ("comment" in sent) { body.comment = sent.comment; }
    setStatus(group, "saving…", true);
    fetch(api, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-XSRFToken": xsrf},
      body: JSON.stringify(body)
    }).then(function (response) {
      var json = (response.headers.get("Content-Type") || "").indexOf("application/json") >= 0;
      if (!json || response.redirected) {
        var login = response.redirected || response.status === 401 || response.status === 403;
        setStatus(group, login
          ? "not saved: the server refused the request (HTTP " + response.status + "): your login has " +
            "probably expired; log in to the Jupyter server again in another tab, then save again"
          : "not saved: the server failed (HTTP " + response.status + "); see the Jupyter server's log", false);
        return;
      }
      return response.json().then(function (reply) {
        if (response.status === 409) {
          showStored(group, reply.stored);
          refresh(group, false);
          setStatus(group, "not saved: someone else changed these grades in the meantime (the stored ones are " +
            "shown now); check them and save again", false);
        } else if (!response.ok) {
          setStatus(group, "not saved: " + reply.error, false);
        } else {
          showStored(group, reply.stored);
          refresh(group, true);
          document.getElementById("graded").textContent = reply.graded;
          setStatus(group, "saved for " + plural(reply.saved), true);
        }
      });
    }, function () {
      setStatus(group, "connection lost: checking whether this was saved…", false);
      check(group, sent, tokens, 1);
    });
  }

  // The score and comment the TA typed: only the fields that differ from what the page showed.
  function saveTyped(group) {
    var scoreField = group.querySelector("input.score");
    var commentField = group.querySelector("textarea.comment");
    var raw = scoreField.value.trim(), initial = scoreField.getAttribute("data-initial");
    var sent = {};
    if (raw !== initial || (raw !== "" && !group.classList.contains("graded"))) {
      var score = SCORE.test(raw) ? Number(raw.replace(",", ".")) : NaN;
      if (raw === "") {
        scoreField.setAttribute("aria-invalid", "true");
        setStatus(group, "not saved: the score is empty; to clear the score press \"Clear score\"", false);
        return;
      }
      if (!isFinite(score) || score < 0 || score > maxScore) {
        scoreField.setAttribute("aria-invalid", "true");
        setStatus(group, "not saved: \"" + (raw.length > 20 ? raw.slice(0, 20) + "…" : raw) + "\" is not a " +
          "score: type a number from 0 to " + maxScore, false);
        return;
      }
      sent.score = score;
    }
    scoreField.removeAttribute("aria-invalid");
    if (commentField.value !== commentField.getAttribute("data-initial")) { sent.comment = commentField.value; }
    if (!("score" in sent) && !("comment" in sent)) {
      setStatus(group, "nothing changed: type a score or a comment, or pick a rubric line", false);
      return;
    }
    send(group, sent);
  }

  function pickLevel(group, button) {
    var score = Number(button.getAttribute("data-points")), comment = button.getAttribute("data-comment");
    group.querySelector("input.score").value = String(score);
    group.querySelector("textarea.comment").value = comment;
    send(group, {score: score, comment: comment});
  }

  function clearScore(group) {
    group.querySelector("input.score").value = "";
    send(group, {score: "clear"});
  }

  groups.forEach(function (group, index) {
    group.addEventListener("click", function () { if (current !== index) { select(index, false); } });
    group.addEventListener("focusin", function () { if (current !== index) { select(index, false); } });
    group.querySelectorAll("button.level").forEach(function (button) {
      button.addEventListener("click", function () { pickLevel(group, button); });
    });
    group.querySelector("button.save").addEventListener("click", function () { saveTyped(group); });
    group.querySelector("button.clear").addEventListener("click", function () { clearScore(group); });
  });

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var typing = target && (target.tagName === "INPUT" && target.type !== "checkbox" || target.tagName === "TEXTAREA");
    if (typing) {
      var group = target.closest("article.group");  // the group of the field, whichever group is current
      if (event.key === "Escape") { target.blur(); }
      else if (event.key === "Enter" && (event.ctrlKey || target.tagName === "INPUT") && group) {
        event.preventDefault();
        saveTyped(group);
      }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (event.key === "j") { select(current + 1, true); }
    else if (event.key === "k") { select(current - 1, true); }
    else if (current >= 0 && /^[1-9]$/.test(event.key)) {
      var levels = groups[current].querySelectorAll("button.level");
      var level = levels[Number(event.key) - 1];
      if (level) { pickLevel(groups[current], level); }
    } else if (current >= 0 && event.key === "s") { saveTyped(groups[current]); }
    else if (current >= 0 && event.key === "c") {
      event.preventDefault();
      groups[current].querySelector("textarea.comment").focus();
    }
  });
})();
