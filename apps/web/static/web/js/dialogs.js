// Buttons with data-open-dialog="<id>" open that <dialog> as a modal instead of submitting their form
// (without JavaScript the form posts and the server shows the same content inline).
export function wireDialogs(root) {
  root.querySelectorAll?.("[data-open-dialog]").forEach((button) => {
    if (button.dataset.wired) return;
    button.dataset.wired = "1";
    button.addEventListener("click", (event) => {
      const dialog = document.getElementById(button.dataset.openDialog);
      if (!dialog) return;
      event.preventDefault();
      dialog.showModal();
    });
  });
  root.querySelectorAll?.("[data-close-dialog]").forEach((button) => {
    if (button.dataset.wired) return;
    button.dataset.wired = "1";
    button.addEventListener("click", () => document.getElementById(button.dataset.closeDialog)?.close());
  });
}
