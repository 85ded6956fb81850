// Search page only: the one script on the site. It loads Pagefind's index from this
// site (pagefind/), never from another host. Pagefind picks the index for the page's
// <html lang>, so results are in the reader's language.
const form = document.getElementById("search-form");
const input = document.getElementById("search-input");
const status = document.getElementById("search-status");
const list = document.getElementById("search-results");
const fallback = document.getElementById("search-fallback");
const PAGE = 20;
let pagefind = null;
let results = [];
let shown = 0;
let generation = 0; // each search bumps it; an older search still running then stops

function say(template, values) {
  return template.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
}

// Pagefind marks matches with <mark>; the text itself is rebuilt as text nodes, so
// nothing in an excerpt is ever read as HTML.
function excerpt(html) {
  const p = document.createElement("p");
  html.split(/(<mark>.*?<\/mark>)/).forEach((part) => {
    const m = part.match(/^<mark>(.*)<\/mark>$/);
    const text = (m ? m[1] : part).replace(/<[^>]*>/g, "");
    const decoded = new DOMParser().parseFromString(`<!doctype html><body>${text}`, "text/html").body.textContent;
    if (!decoded) return;
    if (m) {
      const mark = document.createElement("mark");
      mark.textContent = decoded;
      p.append(mark);
    } else {
      p.append(decoded);
    }
  });
  return p;
}

async function showMore() {
  const mine = generation;
  const more = list.querySelector(".search-more");
  if (more) more.remove();
  const batch = await Promise.all(results.slice(shown, shown + PAGE).map((r) => r.data()));
  if (mine !== generation) return;
  const first = shown;
  batch.forEach((data, i) => {
    // a result links only into this site (never javascript: nor another host, whatever an index holds)
    const target = new URL(data.url, document.baseURI);
    if (target.origin !== location.origin || !/^https?:$/.test(target.protocol)) return;
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.href = target.href; // Pagefind puts the path it was loaded from in front: right under any base path
    a.textContent = data.meta.title;
    const h = document.createElement("h2");
    h.append(a);
    li.append(h);
    if (data.meta.context) {
      const c = document.createElement("p");
      c.className = "search-context";
      c.textContent = data.meta.context;
      li.append(c);
    }
    li.append(excerpt(data.excerpt));
    list.append(li);
    if (first > 0 && i === 0) a.focus(); // after "show more", keyboard users continue where the new results start
  });
  shown += batch.length;
  if (shown < results.length) {
    const li = document.createElement("li");
    li.className = "search-more";
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = form.dataset.more;
    button.addEventListener("click", showMore);
    li.append(button);
    list.append(li);
  }
}

async function search(query) {
  const mine = ++generation;
  list.replaceChildren();
  results = [];
  shown = 0;
  if (!query.trim()) {
    status.textContent = "";
    return;
  }
  const found = await pagefind.search(query);
  if (mine !== generation) return; // a newer query is on its way
  results = found.results;
  await showMore();
  if (mine !== generation) return;
  // Announced (role=status) once the first results are on the page.
  const n = results.length;
  status.textContent = say(n === 0 ? form.dataset.none : n === 1 ? form.dataset.one : form.dataset.many, { count: n, query });
}

// Pagefind (and its index) is loaded when the reader starts to search, not with the
// page: nothing is downloaded for a reader who only passes by.
let loading = null;
function ready() {
  if (!loading) {
    // import() resolves against this script's address, so make the path absolute from the page first
    loading = import(new URL(form.dataset.pagefind, document.baseURI).href).then(async (module) => {
      await module.init();
      pagefind = module;
    });
  }
  return loading;
}

async function start() {
  fallback.hidden = true;
  form.hidden = false;
  const params = new URLSearchParams(location.search);
  const q = params.get("q") || "";
  input.value = q;
  let last = null; // the query on the page: the same query again would only redraw it, and lose the reader's focus
  const run = async (query) => {
    if (query === last) return;
    last = query;
    try {
      await ready();
    } catch (error) {
      last = null;
      status.textContent = form.dataset.failed;
      fallback.hidden = false;
      return;
    }
    await search(query);
  };
  input.addEventListener("focus", () => ready().catch(() => {}), { once: true });
  let timer = null;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(timer); // Enter right after typing: the pending as-you-type search would redraw the results later
    const query = input.value;
    const url = new URL(location.href);
    url.searchParams.set("q", query);
    history.replaceState(null, "", url);
    run(query);
  });
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => run(input.value), 250);
  });
  if (q) run(q);
}

start();
