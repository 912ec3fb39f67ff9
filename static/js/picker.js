// Pickers that search as you type: an <input data-picker="URL" list="ID"> gets its
// <datalist id="ID"> filled from URL?q=… (organizations/pickers.py), so a page never
// carries thousands of unions or employers. An input may add data-picker-union="NAME"
// to narrow employers to the union typed in the field NAME of the same form.
(function () {
  "use strict";
  function attach(input) {
    var list = document.getElementById(input.getAttribute("list"));
    var timer = null;
    var asked = "";
    function search() {
      var term = input.value.trim();
      if (!term || term === asked) { return; }
      asked = term;
      var url = input.dataset.picker + "?q=" + encodeURIComponent(term);
      var unionField = input.dataset.pickerUnion && input.form.elements[input.dataset.pickerUnion];
      if (unionField && unionField.value.trim()) {
        url += "&union=" + encodeURIComponent(unionField.value.trim());
      }
      fetch(url, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
        .then(function (response) { return response.ok ? response.json() : {results: []}; })
        .then(function (data) {
          if (asked !== term) { return; }  // an older answer arriving late
          list.replaceChildren.apply(list, data.results.map(function (item) {
            var option = document.createElement("option");
            option.value = item.value;
            option.label = item.label;
            option.textContent = item.label;
            return option;
          }));
        });
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(search, 200);
    });
  }
  document.querySelectorAll("input[data-picker]").forEach(attach);
})();
