// The mine form shows only the attributes that apply to the chosen kind of mine (the server
// refuses the others anyway). The kinds of each attribute come from the page (json_script).
(function () {
  "use strict";
  var data = document.getElementById("mine-kind-fields");
  var kind = document.getElementById("id_kind");
  if (!data || !kind) { return; }
  var kinds = JSON.parse(data.textContent);
  function update() {
    Object.keys(kinds).forEach(function (name) {
      var input = document.getElementById("id_" + name);
      if (!input) { return; }
      var box = input.closest(".mb-3") || input.parentElement;
      var applies = !kind.value || kinds[name].indexOf(kind.value) !== -1;
      box.hidden = !applies;
    });
  }
  kind.addEventListener("change", update);
  update();
})();
