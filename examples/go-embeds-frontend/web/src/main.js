// Routes live in the browser: the server must answer every path with index.html.
const pages = {
  "/": "Home",
  "/settings/profile": "Your profile",
};

function render() {
  const title = pages[location.pathname] ?? "Not found";
  document.getElementById("page").textContent = `${title} (API: ${import.meta.env.VITE_API_URL ?? "not set"})`;
}

document.addEventListener("click", (event) => {
  const link = event.target.closest("a");
  if (link && link.origin === location.origin) {
    event.preventDefault();
    history.pushState({}, "", link.pathname);
    render();
  }
});
window.addEventListener("popstate", render);
render();
