// A small static app hosted by the storage route: it reads the todo table of
// the `db` service through the REST API with its app's API key (config.js).
(function () {
  "use strict";
  var status = document.getElementById("status");
  var list = document.getElementById("todos");

  function fail(message) {
    status.textContent = message;
    status.dataset.state = "failed";
  }

  fetch("/api/v2/db/_table/todo?order=id", {
    headers: {"X-DreamFactory-API-Key": window.TODO_API_KEY, "Accept": "application/json"}
  }).then(function (response) {
    return response.json().then(function (body) {
      if (!response.ok) {
        fail(body.error ? body.error.message : "HTTP " + response.status);
        return;
      }
      body.resource.forEach(function (row) {
        var item = document.createElement("li");
        item.textContent = row.name;
        item.dataset.id = row.id;
        list.appendChild(item);
      });
      status.textContent = body.resource.length + " todos";
      status.dataset.state = "loaded";
    });
  }).catch(function (error) { fail(error.message); });
})();
