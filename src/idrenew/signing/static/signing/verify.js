// /backoffice/verify: show the chosen file's name and accept a dropped PDF (no inline
// script: the page's Content-Security-Policy allows scripts from our own files only).
(function () {
  var drop = document.getElementById("drop");
  var input = document.getElementById("pdf-input");
  var chosen = document.getElementById("chosen");
  input.addEventListener("change", function () {
    if (input.files.length) chosen.textContent = "已选择：" + input.files[0].name;
  });
  ["dragenter", "dragover"].forEach(function (name) {
    drop.addEventListener(name, function (e) { e.preventDefault(); drop.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (name) {
    drop.addEventListener(name, function (e) { e.preventDefault(); drop.classList.remove("over"); });
  });
  drop.addEventListener("drop", function (e) {
    if (e.dataTransfer.files.length) {
      input.files = e.dataTransfer.files;
      chosen.textContent = "已选择：" + input.files[0].name;
    }
  });
})();
