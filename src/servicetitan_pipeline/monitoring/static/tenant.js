// "Sync now": triggers servicetitan_sync for this credential through Airflow's REST API, from the browser,
// so the call carries the signed-in user's own session cookie and Airflow checks that user's permissions
// (a 403 says so). As Airflow's trigger form does, it unpauses the DAG first: a run of a paused DAG waits.
(function () {
  var button = document.getElementById("sync-now");
  var result = document.getElementById("sync-now-result");
  if (!button) return;
  var root = button.dataset.airflowRoot;
  var dagUrl = root + "api/v2/dags/servicetitan_sync";

  function say(text, href) {
    result.textContent = text;
    if (href) {
      var link = document.createElement("a");
      link.href = href;
      link.target = "_top";
      link.textContent = "Open the run";
      result.append(" ", link);
    }
  }

  async function call(method, url, body) {
    var answer = await fetch(url, {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    var data = null;
    try { data = await answer.json(); } catch (e) { /* no JSON body */ }
    if (!answer.ok) {
      var why = answer.status === 403 ? "you may not trigger servicetitan_sync"
        : answer.status === 401 ? "your session has ended: sign in again"
        : (data && data.detail ? (typeof data.detail === "string" ? data.detail : JSON.stringify(data.detail)) : "HTTP " + answer.status);
      throw new Error(why);
    }
    return data;
  }

  button.addEventListener("click", async function () {
    button.disabled = true;
    say("Starting a sync…");
    try {
      var dag = await call("GET", dagUrl);
      if (dag.is_paused) await call("PATCH", dagUrl + "?update_mask=is_paused", { is_paused: false });
      var run = await call("POST", dagUrl + "/dagRuns", {
        logical_date: null,
        conf: { credential: button.dataset.credential },
        note: "Sync now: " + button.dataset.label,
      });
      say("Sync started: run " + run.dag_run_id + ".", root + "dags/servicetitan_sync/runs/" + encodeURIComponent(run.dag_run_id));
      button.dataset.runId = run.dag_run_id;
    } catch (error) {
      say("Could not start a sync: " + error.message);
    } finally {
      button.disabled = false;
    }
  });
})();
