// The import page: show the chosen file's name beside the upload button. A static file, not
// an inline script: the Content-Security-Policy allows scripts from the site only.
(function () {
  var label = document.getElementById("import-file-name");
  if (!label) {
    return;
  }
  var input = document.getElementById(label.dataset.fileInput);
  input.addEventListener("change", function (event) {
    var chosen = event.target.files[0];
    label.textContent = chosen ? chosen.name : label.dataset.none;
  });
})();
