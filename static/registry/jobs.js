// A job's page: asks the job's status every second and moves the progress bar; when the job
// has finished, the page is loaded again (it then shows the file, the error or the outcome).
(function () {
  "use strict";
  var job = document.getElementById("job");
  if (!job) return;
  var bar = document.getElementById("job-progress");
  var text = document.getElementById("job-progress-text");
  var state = document.getElementById("job-state");
  var template = job.getAttribute("data-of") || "";
  function poll() {
    fetch(job.getAttribute("data-status-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (status) {
        bar.value = status.percent;
        bar.textContent = status.percent + "%";
        text.textContent = status.total ? template.replace("%(done)s", status.done).replace("%(total)s", status.total) : status.percent + "%";
        state.textContent = status.state_label.charAt(0).toUpperCase() + status.state_label.slice(1);
        if (status.finished) { window.location.reload(); } else { window.setTimeout(poll, 1000); }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
})();
