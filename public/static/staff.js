// PAK POS Online — staff UI. Small progressive touches; every page works
// without this file.
document.addEventListener("submit", (event) => {
  const button = event.submitter;
  if (button && button.classList.contains("danger") && !window.confirm("Yakin? Tindakan ini tidak dapat dibatalkan.")) {
    event.preventDefault();
  }
});
