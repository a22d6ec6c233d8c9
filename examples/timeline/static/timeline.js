// Draws each post's card from /api/timeline. Every text goes in through
// textContent, never innerHTML: product data is data.
(async function () {
  const res = await fetch('/api/timeline');
  const page = await res.json();
  page.posts.forEach((post, i) => {
    const card = page.cards[i];
    const slot = document.querySelector(`.card-slot[data-post="${CSS.escape(post.id)}"]`);
    if (card && slot) slot.appendChild(drawCard(card));
  });
})();

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function money(m) { return `${m.amount} ${m.currency}`; }

// The demo catalog's images live on a CDN this demo does not reach;
// the demo server draws placeholders for them instead.
function localImage(url) { return url.replace('https://cdn.buybutton.example/', '/img/'); }

function drawCard(card) {
  const p = card.product;
  const box = el('section', 'card');
  box.setAttribute('aria-label', p.title);
  if (p.images.length > 0) {
    const img = el('img');
    img.src = localImage(p.images[0].url);
    img.alt = p.images[0].alt;
    box.appendChild(img);
  }
  const body = el('div', 'body');
  body.appendChild(el('h2', '', p.title));
  body.appendChild(el('p', '', p.description));
  const price = el('p');
  price.appendChild(el('span', 'price', (p.price_varies ? 'from ' : '') + money(p.price)));
  if (p.compare_at_price) price.appendChild(el('span', 'compare', money(p.compare_at_price)));
  body.appendChild(price);
  if (p.availability !== 'in_stock') body.appendChild(el('p', 'soldout', 'Sold out'));
  if (p.options.length > 0) {
    const id = `variant-${card.post_id}`;
    const label = el('label', '', p.options.map(o => o.name).join(' / '));
    label.htmlFor = id;
    const select = el('select');
    select.id = id;
    for (const v of p.variants) {
      const opt = el('option', '', v.options.join(' / ') + (v.availability === 'in_stock' ? '' : ' (sold out)'));
      opt.value = v.id;
      opt.disabled = v.availability !== 'in_stock';
      select.appendChild(opt);
    }
    body.appendChild(label);
    body.appendChild(select);
  }
  box.appendChild(body);
  return box;
}
