// Names for the admin's autocomplete fields (select2, shipped with Django's admin), which
// screen readers otherwise read without a name: the drop-down, its text box and the search
// field get the field's label; the mouse-only "remove all" cross is hidden from them. select2
// draws (and redraws) its parts after the page has loaded, so this watches for them. A static
// file, not an inline script: the Content-Security-Policy allows scripts from the site only.
(function () {
  "use strict";

  function labelOf(select) {
    if (!select.id) {
      return null;
    }
    var label = document.querySelector('label[for="' + CSS.escape(select.id) + '"]');
    if (label && !label.id) {
      label.id = select.id + "-label";
    }
    return label;
  }

  function name(container) {
    var select = container.previousElementSibling;
    if (!select || select.tagName !== "SELECT") {
      return;
    }
    var label = labelOf(select);
    var text = select.getAttribute("aria-label") || (label ? label.textContent.replace(/:\s*$/, "").trim() : "");
    if (!text) {
      return;
    }
    container.querySelectorAll(".select2-selection").forEach(function (box) {
      var rendered = box.querySelector(".select2-selection__rendered[id]");
      if (label && rendered) {
        // The field's label, then what is chosen.
        setAttribute(box, "aria-labelledby", label.id + " " + rendered.id);
      } else {
        setAttribute(box, "aria-label", text);
      }
    });
    container.querySelectorAll(".select2-selection__rendered[role=textbox], .select2-search__field").forEach(function (field) {
      setAttribute(field, "aria-label", text);
    });
    container.querySelectorAll(".select2-selection__clear").forEach(function (cross) {
      setAttribute(cross, "aria-hidden", "true");
    });
  }

  function setAttribute(element, attribute, value) {
    // Only on a change: setting it again would wake the observer for nothing.
    if (element.getAttribute(attribute) !== value) {
      element.setAttribute(attribute, value);
    }
  }

  function nameAll() {
    document.querySelectorAll(".select2-container").forEach(name);
  }

  new MutationObserver(nameAll).observe(document.documentElement, { childList: true, subtree: true });
  document.addEventListener("DOMContentLoaded", nameAll);
})();
