// Presentation mode: one case per slide. Next/previous with the arrow keys (also PageUp/
// PageDown, space, Home/End), the buttons, tap zones at the screen's edges, or a swipe.
// "F" or the button toggles full screen. The slide number is kept in the URL's #slide-N.
(function () {
  "use strict";
  var deck = document.querySelector("[data-deck]");
  if (!deck) return;
  var slides = Array.prototype.slice.call(deck.querySelectorAll("[data-slide]"));
  var current = deck.querySelector("[data-deck-current]");
  var full = deck.querySelector("[data-deck-fullscreen]");
  var index = 0;
  document.documentElement.classList.add("js-deck");

  function go(n) {
    index = Math.max(0, Math.min(slides.length - 1, n));
    slides.forEach(function (slide, i) {
      var on = i === index;
      slide.classList.toggle("is-current", on);
      slide.setAttribute("aria-hidden", on ? "false" : "true");
    });
    current.textContent = String(index + 1);
    fit();
    if (history.replaceState) history.replaceState(null, "", "#slide-" + (index + 1));
  }

  // Fit the story into its space: the largest type (from 2.4 % of the screen's width down
  // to 15 px) at which nothing is cut off; a story longer than that scrolls (↓ / ↑).
  function overflows(story) {
    return story.scrollHeight > story.clientHeight + 1 || story.scrollWidth > story.clientWidth + 1;
  }
  function fit() {
    var story = slides[index] && slides[index].querySelector(".slide-story");
    if (!story || !story.clientHeight) return;
    story.classList.remove("is-scrollable");
    var size = Math.max(18, Math.round(window.innerWidth * 0.024));
    story.style.setProperty("--story-size", size + "px");
    while (size > 15 && overflows(story)) {
      size -= 1;
      story.style.setProperty("--story-size", size + "px");
    }
    if (overflows(story)) story.classList.add("is-scrollable");
  }

  // "Large photos": the photos side by side, without the story (a tap on a photo, or P).
  var photosButton = deck.querySelector("[data-deck-photos]");
  function photosOnly(on) {
    slides.forEach(function (slide) { slide.classList.toggle("photos-only", on); });
    if (photosButton) photosButton.setAttribute("aria-pressed", on ? "true" : "false");
    fit();
  }
  function togglePhotos() { photosOnly(!slides[0].classList.contains("photos-only")); }
  if (photosButton) photosButton.addEventListener("click", togglePhotos);
  deck.querySelectorAll(".slide-shot").forEach(function (shot) {
    shot.addEventListener("click", togglePhotos);
  });

  function next() { go(index + 1); }
  function prev() { go(index - 1); }

  deck.querySelectorAll("[data-deck-next]").forEach(function (b) { b.addEventListener("click", next); });
  deck.querySelectorAll("[data-deck-prev]").forEach(function (b) { b.addEventListener("click", prev); });

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    var tag = (event.target && event.target.tagName) || "";
    if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA") return;
    switch (event.key) {
      case "ArrowRight": case "PageDown": case " ": case "Enter":
        if (event.key === "Enter" && tag === "BUTTON") return;
        event.preventDefault(); next(); break;
      case "ArrowLeft": case "PageUp": case "Backspace":
        event.preventDefault(); prev(); break;
      case "ArrowDown": case "ArrowUp":
        var story = slides[index].querySelector(".slide-story");
        if (story) { event.preventDefault(); story.scrollBy(0, (event.key === "ArrowDown" ? 1 : -1) * story.clientHeight * 0.6); }
        break;
      case "Home": event.preventDefault(); go(0); break;
      case "End": event.preventDefault(); go(slides.length - 1); break;
      case "f": case "F": toggleFullscreen(); break;
      case "p": case "P": togglePhotos(); break;
      default: break;
    }
  });

  // A horizontal swipe (finger, pen or mouse drag) of at least 60 px turns the slide.
  var swipe = null;
  deck.addEventListener("pointerdown", function (event) {
    if (event.target.closest("a, button, input, select")) return;
    swipe = { x: event.clientX, y: event.clientY, id: event.pointerId };
  });
  deck.addEventListener("pointerup", function (event) {
    if (!swipe || event.pointerId !== swipe.id) return;
    var dx = event.clientX - swipe.x;
    var dy = event.clientY - swipe.y;
    swipe = null;
    if (Math.abs(dx) >= 60 && Math.abs(dx) > Math.abs(dy) * 1.5) {
      if (dx < 0) next(); else prev();
    }
  });
  deck.addEventListener("pointercancel", function () { swipe = null; });
  // Photos are not dragged away (that would cancel the swipe).
  deck.addEventListener("dragstart", function (event) { event.preventDefault(); });

  function toggleFullscreen() {
    if (!document.fullscreenEnabled) return;
    if (document.fullscreenElement) document.exitFullscreen();
    else deck.requestFullscreen().catch(function () {});
  }
  if (full && document.fullscreenEnabled) {
    full.hidden = false;
    full.addEventListener("click", toggleFullscreen);
  }

  window.addEventListener("resize", fit);
  document.addEventListener("fullscreenchange", fit);

  var match = /^#slide-(\d+)$/.exec(location.hash);
  go(match ? Number(match[1]) - 1 : 0);
})();
