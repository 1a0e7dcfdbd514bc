// The DOM helpers the page's parts share.

export const $ = (id) => document.getElementById(id);

/** el makes a tag element, with class name cls and text when given. */
export function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** download saves href (a URL or an object URL) as file. */
export function download(href, file) {
  const a = document.createElement('a');
  a.href = href;
  a.download = file;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
}
