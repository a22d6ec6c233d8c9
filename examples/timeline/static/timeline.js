// The timeline page. It draws each post's card from /api/timeline and
// drives checkouts, orders and donations through the demo's JSON API.
// Every text goes in through textContent, never innerHTML: product and
// user data are data.
'use strict';

const TOKENS = [
  ['tok_approve', 'Test card: approve'],
  ['tok_decline', 'Test card: decline'],
  ['tok_action_required', 'Test card: bank asks for an extra step'],
];

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function button(text, onClick, cls) {
  const b = el('button', cls, text);
  b.type = 'button';
  b.addEventListener('click', onClick);
  return b;
}

function money(m) { return `${m.amount} ${m.currency}`; }

let uid = 0;
function field(labelText, input) {
  input.id = input.id || `f${++uid}`;
  const label = el('label', '', labelText);
  label.htmlFor = input.id;
  const wrap = el('div');
  wrap.append(label, input);
  return wrap;
}

function input(name, type, value) {
  const i = el('input');
  i.name = name;
  i.type = type || 'text';
  if (value !== undefined) i.value = value;
  return i;
}

// api calls the demo server; a failure throws an Error whose message is
// the server's message for the viewer, and whose body has the details.
async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: body ? { 'Content-Type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = res.status === 204 ? null : await res.json();
  if (!res.ok) {
    const err = new Error(data && data.error ? data.error : 'Something went wrong.');
    err.body = data || {};
    throw err;
  }
  return data;
}

// The demo catalog's images live on a CDN this demo does not reach;
// the demo server draws placeholders for them instead.
function localImage(url) { return url.replace('https://cdn.buybutton.example/', '/img/'); }

// timelineLoads counts finished loads, so that a test can wait for the
// cards that closing a sheet redraws. A load is finished once the one-tap
// offers are drawn too: they move the cards below them, and a click aimed
// before they land would hit another card.
window.timelineLoads = 0;

async function loadTimeline() {
  const page = await api('GET', '/api/timeline');
  const offers = [];
  page.posts.forEach((post, i) => {
    const card = page.cards[i];
    const slot = document.querySelector(`.card-slot[data-post="${CSS.escape(post.id)}"]`);
    if (!slot) return;
    slot.replaceChildren();
    if (card) slot.appendChild(card.cta === 'donate' ? drawDonateCard(card) : drawProductCard(card, offers));
  });
  await Promise.all(offers);
  window.timelineLoads++;
}

// drawProductCard draws a product card; the promise of its one-tap offer,
// drawn once the saved details are read, goes into offers.
function drawProductCard(card, offers) {
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
  const free = !p.price_varies && parseFloat(p.price.amount) === 0;
  price.appendChild(el('span', 'price', free ? 'Free' : (p.price_varies ? 'from ' : '') + money(p.price)));
  if (p.compare_at_price) {
    const was = el('span', 'compare', money(p.compare_at_price));
    was.setAttribute('aria-label', `was ${money(p.compare_at_price)}`);
    price.appendChild(was);
  }
  body.appendChild(price);
  if (p.availability !== 'in_stock') body.appendChild(el('p', 'soldout', 'Sold out'));
  const select = el('select');
  for (const v of p.variants) {
    const opt = el('option', '', (v.options.join(' / ') || v.title || p.title) + (v.availability === 'in_stock' ? '' : ' (sold out)'));
    opt.value = v.id;
    opt.disabled = v.availability !== 'in_stock';
    select.appendChild(opt);
  }
  const firstInStock = p.variants.find(v => v.availability === 'in_stock');
  if (firstInStock) select.value = firstInStock.id;
  if (p.options.length > 0) {
    body.appendChild(field(p.options.map(o => o.name).join(' / '), select));
  }
  const buy = button('Buy', () => openCheckout(card, select.value), 'primary');
  buy.disabled = !firstInStock;
  buy.setAttribute('aria-label', `Buy ${p.title}`);
  body.appendChild(buy);
  const oneTap = el('div', 'one-tap');
  body.appendChild(oneTap);
  offers.push(offerOneTap(oneTap, card, select));
  box.appendChild(body);
  return box;
}

// offerOneTap shows "Buy now" with the viewer's saved details, if any.
async function offerOneTap(slot, card, select) {
  const saved = await api('GET', '/api/saved');
  slot.replaceChildren();
  if (saved.length === 0 || !card.product.variants.some(v => v.availability === 'in_stock')) return;
  const b = button(`Buy now with ${saved[0].label}`, async () => {
    openSheet('Buy now');
    try {
      const order = await api('POST', '/api/buy-now', { product_id: card.product.id, variant_id: select.value, saved_id: saved[0].id });
      showConfirmation(order);
    } catch (e) { sheetError(e.message); }
  });
  slot.appendChild(b);
}

// ---- the checkout sheet ----

const sheet = document.getElementById('sheet');
const sheetBody = document.getElementById('sheet-body');
document.getElementById('sheet-close').addEventListener('click', () => sheet.close());
sheet.addEventListener('close', () => loadTimeline());

function openSheet(title) {
  document.getElementById('sheet-title').textContent = title;
  sheetBody.replaceChildren(el('p', '', 'Working…'));
  sheetError('');
  if (!sheet.open) sheet.showModal();
}

function sheetError(msg) { document.getElementById('sheet-error').textContent = msg; }

function focusFirst() {
  const f = sheetBody.querySelector('input, select, button');
  if (f) f.focus();
}

function totalsTable(t) {
  const table = el('table', 'totals');
  const row = (name, amount, cls) => {
    const tr = el('tr', cls);
    tr.append(el('td', '', name), el('td', '', money(amount)));
    table.appendChild(tr);
  };
  row('Subtotal', t.subtotal);
  if (t.discount && parseFloat(t.discount.amount) > 0) row('Discount', { amount: `−${t.discount.amount}`, currency: t.discount.currency });
  if (parseFloat(t.shipping.amount) > 0) row('Shipping', t.shipping);
  if (parseFloat(t.tax.amount) > 0) row('Tax', t.tax);
  if (parseFloat(t.fee.amount) > 0) row('Processing fee', t.fee);
  row('Total', t.total, 'total');
  return table;
}

async function openCheckout(card, variantID) {
  openSheet(`Buy ${card.product.title}`);
  try {
    const co = await api('POST', '/api/checkouts', { product_id: card.product.id, variant_id: variantID });
    if (co.ships) showAddress(co); else showPayment(co);
  } catch (e) { sheetError(e.message); sheetBody.replaceChildren(); }
}

function showAddress(co) {
  const form = el('form');
  form.noValidate = true;
  const fields = [['name', 'Full name', 'Ada Viewer'], ['line1', 'Street address', ''], ['city', 'City', ''],
    ['region', 'State or region', ''], ['postal_code', 'Postal code', ''], ['country', 'Country (two letters, e.g. US)', 'US']];
  for (const [name, label, value] of fields) form.appendChild(field(label, input(name, 'text', value)));
  form.appendChild(el('button', 'primary', 'Continue to shipping'));
  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    sheetError('');
    const body = Object.fromEntries(new FormData(form));
    try {
      showShipping(await api('POST', `/api/checkouts/${co.id}/address`, body));
    } catch (e) { sheetError(e.message); }
  });
  sheetBody.replaceChildren(el('h3', '', 'Shipping address'), form);
  focusFirst();
}

function showShipping(co) {
  const form = el('form');
  const set = el('fieldset');
  set.appendChild(el('legend', '', 'Shipping option'));
  co.shipping_options.forEach((o, i) => {
    const radio = input('option_id', 'radio', o.id);
    radio.checked = i === 0;
    radio.id = `ship-${o.id}`;
    const label = el('label', '', `${o.label} (${money(o.amount)})`);
    label.htmlFor = radio.id;
    label.prepend(radio);
    set.appendChild(label);
  });
  form.append(set, el('button', 'primary', 'Continue to payment'));
  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    sheetError('');
    try {
      showPayment(await api('POST', `/api/checkouts/${co.id}/shipping`, { option_id: new FormData(form).get('option_id') }));
    } catch (e) { sheetError(e.message); }
  });
  sheetBody.replaceChildren(form);
  focusFirst();
}

function tokenSelect() {
  const select = el('select');
  select.name = 'token';
  for (const [value, text] of TOKENS) {
    const o = el('option', '', text);
    o.value = value;
    select.appendChild(o);
  }
  return select;
}

// discountForm applies a discount code to the checkout, or removes it
// (an empty code), and shows the payment again with the new totals.
function discountForm(co) {
  const form = el('form', 'discount');
  const code = input('code', 'text', co.discount_code);
  form.append(field('Discount code', code), el('button', '', 'Apply code'));
  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    sheetError('');
    try {
      showPayment(await api('POST', `/api/checkouts/${co.id}/discount`, { code: code.value }));
    } catch (e) { sheetError(e.message); }
  });
  return form;
}

// showPayment asks how to pay the total; a free checkout asks nothing: the
// library places it with no payment.
function showPayment(co) {
  const form = el('form');
  if (co.free) {
    form.append(totalsTable(co.totals), el('button', 'primary', 'Get it free'));
    form.addEventListener('submit', async ev => {
      ev.preventDefault();
      sheetError('');
      await pay(co, {});
    });
    sheetBody.replaceChildren(el('h3', '', 'Nothing to pay'), discountForm(co), form);
    focusFirst();
    return;
  }
  const tokens = tokenSelect();
  const save = input('save', 'checkbox');
  const saveLabel = el('label', 'inline', 'Save my address and card for one-tap buying');
  save.id = 'save-details';
  saveLabel.htmlFor = save.id;
  saveLabel.prepend(save);
  form.append(totalsTable(co.totals), field('Pay with', tokens), co.ships ? saveLabel : el('span'), el('button', 'primary', `Pay ${money(co.totals.total)}`));
  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    sheetError('');
    await pay(co, { token: tokens.value, save: save.checked });
  });
  sheetBody.replaceChildren(el('h3', '', 'Payment'), discountForm(co), form);
  focusFirst();
}

async function pay(co, body) {
  try {
    showConfirmation(await api('POST', `/api/checkouts/${co.id}/confirm`, body));
  } catch (e) {
    sheetError(e.message);
    if (e.body.code === 'action_required') showBankStep(e.body.action, () => pay(co, body), () => showPayment(co), co.ships ? () => showAddress(co) : null);
  }
}

// showBankStep plays the bank's page a payment's extra step leads to:
// approved, the payment resumes; refused, the viewer chooses again. With
// edit, the viewer may change the address instead.
function showBankStep(action, resume, again, edit) {
  const box = el('div', 'bank');
  box.appendChild(el('h3', '', 'Your bank'));
  box.appendChild(el('p', '', 'Confirm this payment with your bank (the demo plays the bank).'));
  const decide = approve => async () => {
    try {
      await api('POST', '/api/authenticate', { client_secret: action.ClientSecret, approve });
      sheetError('');
      if (approve) {
        await resume();
      } else {
        again();
        sheetError('The payment was not confirmed. Choose another card.');
      }
    } catch (e) { sheetError(e.message); }
  };
  // Another card gives this payment up: the library releases it and
  // pays with the new card (see Client.Confirm). So does an edit: a new
  // address releases it, and the viewer pays again.
  box.append(button('Approve payment', decide(true), 'primary'), button('Refuse', decide(false)), button('Use another card', again, 'another'));
  if (edit) box.append(button('Change address', edit, 'edit'));
  sheetBody.replaceChildren(box);
  focusFirst();
}

function showConfirmation(order) {
  document.getElementById('sheet-title').textContent = 'Thank you!';
  const box = el('div', 'confirmation');
  box.appendChild(el('p', '', `Order ${order.id} is ${order.status}. Total paid: ${money(order.total)}.`));
  for (const item of order.items) box.appendChild(el('p', '', item));
  sheetBody.replaceChildren(box);
  sheetError('');
  document.getElementById('sheet-close').focus();
}

// ---- orders ----

const ordersDialog = document.getElementById('orders');
document.getElementById('orders-close').addEventListener('click', () => ordersDialog.close());
document.getElementById('show-orders').addEventListener('click', async () => {
  ordersDialog.showModal();
  await drawOrders();
});

async function drawOrders() {
  const list = document.getElementById('orders-list');
  const error = document.getElementById('orders-error');
  error.textContent = '';
  try {
    const orders = await api('GET', '/api/orders');
    list.replaceChildren();
    if (orders.length === 0) list.appendChild(el('li', '', 'No orders yet.'));
    for (const o of orders) {
      const li = el('li', 'order');
      const payment = o.payment === 'none' ? 'nothing to pay' : `payment ${o.payment}`;
      li.appendChild(el('p', '', `${o.id}: ${o.status}, ${payment}, ${money(o.total)}`));
      li.appendChild(el('p', '', o.items.join(', ')));
      if (o.can_cancel) {
        li.appendChild(button('Cancel order', async () => {
          try {
            await api('POST', `/api/orders/${o.id}/cancel`);
            await drawOrders();
          } catch (e) { error.textContent = e.message; }
        }));
      }
      list.appendChild(li);
    }
  } catch (e) { error.textContent = e.message; }
}

// ---- giving ----

const givingDialog = document.getElementById('giving');
// The statement of the year it is where the donor is, for their taxes.
document.getElementById('show-statement').addEventListener('click', async () => {
  const pre = document.getElementById('statement');
  try {
    const st = await api('GET', `/api/giving/statement/${new Date().getFullYear()}`);
    pre.textContent = st.text;
    pre.hidden = false;
  } catch (e) { document.getElementById('giving-error').textContent = e.message; }
});
document.getElementById('giving-close').addEventListener('click', () => givingDialog.close());
document.getElementById('show-giving').addEventListener('click', async () => {
  givingDialog.showModal();
  await drawGiving();
});

async function drawGiving() {
  const monthlyList = document.getElementById('monthly-list');
  const donationsList = document.getElementById('donations-list');
  const error = document.getElementById('giving-error');
  error.textContent = '';
  document.getElementById('statement').hidden = true; // drawn again on asking
  try {
    const giving = await api('GET', '/api/giving');
    monthlyList.replaceChildren();
    donationsList.replaceChildren();
    if (giving.monthly.length === 0) monthlyList.appendChild(el('li', '', 'No monthly gifts.'));
    for (const m of giving.monthly) {
      const li = el('li', 'monthly');
      const next = m.next_at ? `, next on ${m.next_at}` : '';
      li.appendChild(el('p', '', `${money(m.charged)} a month: ${m.status}, ${m.months} month${m.months === 1 ? '' : 's'} given${next}`));
      if (m.can_cancel) {
        li.appendChild(button('Stop giving monthly', async () => {
          try {
            await api('POST', `/api/monthly/${m.id}/cancel`);
            await drawGiving();
          } catch (e) { error.textContent = e.message; }
        }));
      }
      monthlyList.appendChild(li);
    }
    if (giving.donations.length === 0) donationsList.appendChild(el('li', '', 'No donations yet.'));
    for (const d of giving.donations) {
      donationsList.appendChild(el('li', 'donation', `${d.given_at}: ${money(d.charged)}${d.monthly ? ' (monthly)' : ''}, ${d.state}, receipt ${d.receipt}`));
    }
    // Campaigns whose post shows the viewer's name, which they may take
    // off (the library keeps it off, monthly gifts included).
    const namedList = document.getElementById('named-list');
    namedList.replaceChildren();
    for (const c of giving.named_on) {
      const li = el('li', 'named');
      li.appendChild(button(`Take my name off "${c.title}"`, async () => {
        try {
          await api('POST', `/api/campaigns/${encodeURIComponent(c.id)}/hide-my-name`);
          await drawGiving();
          await loadTimeline();
        } catch (e) { error.textContent = e.message; }
      }));
      namedList.appendChild(li);
    }
  } catch (e) { error.textContent = e.message; }
}

// ---- the Donate card ----

function drawDonateCard(card) {
  const d = card.donation;
  const cp = d.campaign;
  const box = el('section', 'card donate');
  box.setAttribute('aria-label', `Donate to ${d.nonprofit.name}`);
  const body = el('div', 'body');
  body.appendChild(el('h2', '', cp.title));
  body.appendChild(el('p', '', `${d.nonprofit.name} (${d.nonprofit.registration}), verified nonprofit`));
  if (cp.progress) body.appendChild(el('p', 'progress', `${money(cp.progress.raised)} raised from ${cp.progress.donors} donor${cp.progress.donors === 1 ? '' : 's'}`));
  if (cp.supporters.length > 0) body.appendChild(el('p', '', `Recent supporters: ${cp.supporters.map(s => s.name).join(', ')}`));

  const form = el('form');
  const set = el('fieldset');
  set.appendChild(el('legend', '', 'Amount'));
  cp.presets.forEach((a, i) => {
    const radio = input('preset', 'radio', a.amount);
    radio.id = `amount-${card.post_id}-${i}`;
    radio.checked = i === 1 || cp.presets.length === 1;
    const label = el('label', '', money(a));
    label.htmlFor = radio.id;
    label.prepend(radio);
    set.appendChild(label);
  });
  const other = input('preset', 'radio', 'other');
  other.id = `amount-${card.post_id}-other`;
  const otherLabel = el('label', '', 'Other');
  otherLabel.htmlFor = other.id;
  otherLabel.prepend(other);
  set.appendChild(otherLabel);
  const custom = input('custom', 'text');
  custom.inputMode = 'decimal';
  set.appendChild(field(`Other amount (${money(cp.minimum)} to ${money(cp.maximum)})`, custom));
  custom.addEventListener('input', () => { other.checked = true; });
  const cover = input('cover_fee', 'checkbox');
  cover.id = `cover-${card.post_id}`;
  cover.checked = true;
  const coverLabel = el('label', 'inline', 'Cover the processing fee so the nonprofit gets it all');
  coverLabel.htmlFor = cover.id;
  coverLabel.prepend(cover);
  const monthly = input('monthly', 'checkbox');
  monthly.id = `monthly-${card.post_id}`;
  const monthlyLabel = el('label', 'inline', 'Give this every month');
  monthlyLabel.htmlFor = monthly.id;
  monthlyLabel.prepend(monthly);
  const anon = input('anonymous', 'checkbox');
  anon.id = `anon-${card.post_id}`;
  const anonLabel = el('label', 'inline', 'Give anonymously');
  anonLabel.htmlFor = anon.id;
  anonLabel.prepend(anon);
  const name = input('name', 'text', '');
  const email = input('email', 'email', '');
  form.append(set, coverLabel, monthlyLabel, anonLabel, field('Your name', name), field('Email for the receipt', email), el('button', 'primary', 'Donate'));
  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    const fd = new FormData(form);
    const amount = fd.get('preset') === 'other' ? custom.value : fd.get('preset');
    await startDonation(card, {
      campaign_id: cp.id, amount: amount || '', currency: cp.currency, cover_fee: cover.checked,
      anonymous: anon.checked, name: name.value, email: email.value, message: '', monthly: monthly.checked,
      // The receipt is dated in the donor's time zone: their tax year.
      time_zone: Intl.DateTimeFormat().resolvedOptions().timeZone || '',
    });
  });
  body.appendChild(form);
  box.appendChild(body);
  return box;
}

async function startDonation(card, body) {
  openSheet(`Donate to ${card.donation.nonprofit.name}`);
  try {
    startOver(await api('POST', '/api/donations', body));
  } catch (e) { sheetError(e.message); sheetBody.replaceChildren(); }
}

// startOver shows a priced donation's total and the payment choice.
function startOver(co) {
  const form = el('form');
  const tokens = tokenSelect();
  form.append(totalsTable(co.totals), field('Pay with', tokens), el('button', 'primary', `Donate ${money(co.totals.total)}`));
  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    sheetError('');
    await give(co, tokens.value);
  });
  sheetBody.replaceChildren(form);
  focusFirst();
}

async function give(co, token) {
  try {
    const receipt = await api('POST', `/api/donations/${co.id}/confirm`, { token });
    document.getElementById('sheet-title').textContent = 'Thank you for giving!';
    sheetBody.replaceChildren(el('pre', 'receipt', receipt.text));
    document.getElementById('sheet-close').focus();
  } catch (e) {
    sheetError(e.message);
    if (e.body.code === 'action_required') showBankStep(e.body.action, () => give(co, token), () => startOver(co));
  }
}

loadTimeline().catch(e => { document.getElementById('timeline').prepend(el('p', 'error', `Could not load the timeline: ${e.message}`)); });
