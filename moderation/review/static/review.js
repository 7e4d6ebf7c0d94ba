// moderation review: the page served by `moderation review` and the report `label --html` writes.
//
// Every piece of data (comment text, names, titles, links) reaches the page through
// textContent or setAttribute: nothing from the data is ever parsed as HTML, and no link from
// it can be followed. The list shows one page of comments at a time (PAGE_SIZE): filtering,
// sorting and counting work on a compact index of every comment; texts and explanations are
// fetched a page at a time (or, in the report, read from the embedded JSON).
'use strict';

function review() {
  const PAGE_SIZE = 50;
  const DISPLAY_CHARS = 20000;
  const MAX_INDENT = 8;
  const RECORD_CACHE = 600;
  const POLL_MS = 1000;
  const TOKEN_KEY = 'moderation-review-token';
  const LABEL_OF_KEY = { o: 'off_topic', h: 'hostile', a: 'ad_hominem' };
  const KEY_OF_LABEL = { off_topic: 'o', hostile: 'h', ad_hominem: 'a' };

  const byId = (id) => document.getElementById(id);

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function number(value) {
    return Number(value).toLocaleString('en-US');
  }

  // --- where the data comes from ------------------------------------------------------------

  async function errorOf(response) {
    try {
      const body = await response.json();
      return body.error || response.statusText;
    } catch (error) {
      return response.statusText || String(response.status);
    }
  }

  function serverSource() {
    let token = '';
    const match = /(?:^|[#&])token=([A-Za-z0-9_-]+)/.exec(window.location.hash);
    if (match) {
      token = match[1];
      sessionStorage.setItem(TOKEN_KEY, token);
      history.replaceState(null, '', window.location.pathname);
    } else {
      token = sessionStorage.getItem(TOKEN_KEY) || '';
    }
    async function request(path, options) {
      const response = await fetch(path, Object.assign({ cache: 'no-store', credentials: 'omit' }, options, {
        headers: Object.assign({ 'X-Review-Token': token }, (options && options.headers) || {}),
      }));
      if (!response.ok) throw new Error(await errorOf(response));
      return response.json();
    }
    const post = (path, body) => request(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    return {
      readOnly: false,
      hasToken: token !== '',
      index: () => request('/api/index'),
      records: (positions) => request('/api/comments?positions=' + positions.join(',')).then((data) => data.records),
      fullText: (position) => request('/api/text?position=' + position).then((data) => data.text),
      search: (query) => request('/api/search?q=' + encodeURIComponent(query)).then((data) => new Set(data.positions)),
      answer: (body) => post('/api/answer', body),
      retrain: () => post('/api/retrain', {}),
      status: () => request('/api/status'),
    };
  }

  function embeddedSource(data) {
    return {
      readOnly: true,
      hasToken: true,
      index: async () => data.index,
      records: async (positions) => positions.map((position) => data.records[position]),
      fullText: async (position) => data.records[position].text,
      search: async (query) => {
        const wanted = query.toLowerCase();
        const found = new Set();
        data.records.forEach((record, position) => {
          if (record.text.toLowerCase().includes(wanted) || record.author.toLowerCase().includes(wanted)) found.add(position);
        });
        return found;
      },
    };
  }

  // --- state ---------------------------------------------------------------------------------

  const embedded = byId('review-data');
  const report = embedded ? JSON.parse(embedded.textContent) : null;
  const source = report ? embeddedSource(report) : serverSource();
  const state = {
    index: null,
    view: [],
    page: 0,
    current: 0, // position in the view of the comment with focus
    records: new Map(),
    drafts: new Map(),
    hits: null, // Set of positions the search found, or null without a search
    renderToken: 0,
    saving: Promise.resolve(),
    generation: 0,
  };

  function say(message) {
    byId('status').textContent = message;
  }

  function labelIndex(label) {
    return state.index.labels.indexOf(label);
  }

  function flagged(position, label) {
    return (state.index.flags[position] & (1 << labelIndex(label))) !== 0;
  }

  function answerOf(position) {
    return state.index.answer[position];
  }

  function threadName(thread) {
    return thread.title || (thread.id ? 'thread ' + thread.id : 'comments without a thread');
  }

  // --- counts --------------------------------------------------------------------------------

  function counts() {
    const index = state.index;
    const labels = index.labels;
    const perLabel = labels.map(() => ({ flagged: 0, yes: 0, no: 0 }));
    const perThread = index.threads.map(() => ({ comments: 0, flagged: 0, answered: 0 }));
    let answered = 0;
    for (let position = 0; position < index.key.length; position += 1) {
      const thread = perThread[index.thread[position]];
      thread.comments += 1;
      if (index.flags[position]) thread.flagged += 1;
      const answer = index.answer[position];
      if (answer !== null) {
        thread.answered += 1;
        answered += 1;
      }
      for (let j = 0; j < labels.length; j += 1) {
        if (index.flags[position] & (1 << j)) perLabel[j].flagged += 1;
        if (Array.isArray(answer)) {
          if (answer[j] === 1) perLabel[j].yes += 1;
          if (answer[j] === 0) perLabel[j].no += 1;
        }
      }
    }
    return { perLabel, perThread, answered };
  }

  function showCounts() {
    const index = state.index;
    const { perLabel, perThread, answered } = counts();
    const body = byId('label-counts').tBodies[0];
    body.replaceChildren();
    index.labels.forEach((label, j) => {
      const row = element('tr');
      const name = element('th', null, label);
      name.scope = 'row';
      const threshold = index.thresholds[j];
      row.append(name, element('td', null, threshold === null ? 'no model' : number(perLabel[j].flagged)));
      row.append(element('td', 'answers-column', number(perLabel[j].yes)), element('td', 'answers-column', number(perLabel[j].no)));
      body.append(row);
    });
    const total = index.key.length;
    byId('progress-line').textContent = source.readOnly
      ? number(total) + ' comments in ' + number(index.threads.length) + (index.threads.length === 1 ? ' thread' : ' threads')
      : number(answered) + ' of ' + number(total) + ' comments answered or skipped';
    state.threadCounts = perThread;
    const select = byId('filter-thread');
    index.threads.forEach((thread, number_) => {
      select.options[number_ + 1].textContent = threadName(thread) + ' (' + threadCountWords(number_) + ')';
    });
    for (const line of document.querySelectorAll('.thread-counts')) line.textContent = threadCountWords(Number(line.dataset.thread));
  }

  // --- the view: filters and sort ------------------------------------------------------------

  function computeView() {
    const index = state.index;
    const flaggedOnly = byId('filter-flagged').checked;
    const label = byId('filter-label').value;
    const labelBit = label ? 1 << labelIndex(label) : 0;
    const thread = byId('filter-thread').value;
    const answered = byId('filter-answered').value;
    const hits = state.hits;
    const sort = byId('sort').value;
    const keep = (position) => {
      if (flaggedOnly && !index.flags[position]) return false;
      if (labelBit) {
        const answer = index.answer[position];
        const saidYes = Array.isArray(answer) && answer[labelIndex(label)] === 1;
        if (!(index.flags[position] & labelBit) && !saidYes) return false;
      }
      if (thread !== '' && index.thread[position] !== Number(thread)) return false;
      if (answered === 'open' && index.answer[position] !== null) return false;
      if (answered === 'done' && index.answer[position] === null) return false;
      if (hits && !hits.has(position)) return false;
      return true;
    };
    let view = index.order.filter(keep);
    if (sort === 'likely') {
      const j = label ? labelIndex(label) : -1;
      const likelihood = (position) => {
        const scores = index.scores[position];
        if (j >= 0) return scores[j] === null ? -1 : scores[j];
        return Math.max(-1, ...scores.filter((score) => score !== null));
      };
      view = view.map((position, rank) => [likelihood(position), rank, position]).sort((a, b) => b[0] - a[0] || a[1] - b[1]).map((entry) => entry[2]);
    } else if (sort === 'uncertain') {
      const margin = (position) => (index.margin[position] === null ? Infinity : index.margin[position]);
      view = view.map((position, rank) => [margin(position), rank, position]).sort((a, b) => a[0] - b[0] || a[1] - b[1]).map((entry) => entry[2]);
    }
    state.view = view;
  }

  // --- rendering -------------------------------------------------------------------------------

  function remember(records) {
    for (const record of records) {
      state.records.delete(record.position);
      state.records.set(record.position, record);
    }
    while (state.records.size > RECORD_CACHE) state.records.delete(state.records.keys().next().value);
  }

  // Records being fetched, by position: a page asked for while its prefetch is in flight waits for it.
  const inFlight = new Map();

  function fetchRecords(positions) {
    const request = source.records(positions).then(remember);
    for (const position of positions) inFlight.set(position, request);
    const done = () => { for (const position of positions) if (inFlight.get(position) === request) inFlight.delete(position); };
    request.then(done, done);
    return request;
  }

  async function recordsFor(positions) {
    const missing = positions.filter((position) => !state.records.has(position) && !inFlight.has(position));
    const waits = new Set(positions.filter((position) => inFlight.has(position)).map((position) => inFlight.get(position)));
    if (missing.length) waits.add(fetchRecords(missing));
    await Promise.all(waits);
    const absent = positions.filter((position) => !state.records.has(position)); // a failed prefetch, or evicted meanwhile
    if (absent.length) await fetchRecords(absent);
    return positions.map((position) => state.records.get(position));
  }

  function pagePositions(page) {
    return state.view.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE);
  }

  function pageCount() {
    return Math.max(1, Math.ceil(state.view.length / PAGE_SIZE));
  }

  function threadHead(threadNumber) {
    const thread = state.index.threads[threadNumber];
    const item = element('li', 'thread-head');
    const title = element('h2');
    title.append(element('bdi', null, threadName(thread)));
    item.append(title);
    if (thread.opening) item.append(element('p', 'opening', thread.opening));
    if (thread.link) item.append(element('p', 'muted', 'Link (shown, not followed): ' + thread.link));
    const counts = element('p', 'muted thread-counts', threadCountWords(threadNumber));
    counts.dataset.thread = String(threadNumber);
    item.append(counts);
    return item;
  }

  function threadCountWords(threadNumber) {
    const count = state.threadCounts[threadNumber];
    return number(count.comments) + ' comments, ' + number(count.flagged) + ' flagged' + (source.readOnly ? '' : ', ' + number(count.answered) + ' answered');
  }

  function renderText(container, text, spans, limit) {
    const labels = state.index.labels;
    const shown = text.length > limit ? text.slice(0, limit) : text;
    let at = 0;
    for (const span of spans) {
      const start = span[0];
      const end = Math.min(span[1], shown.length);
      if (start < at || start >= shown.length || end <= start) continue;
      if (start > at) container.append(document.createTextNode(shown.slice(at, start)));
      const names = span[2].map((j) => labels[j]);
      const mark = element('mark', names.join(' '), shown.slice(start, end));
      mark.title = names.join(', ') + ' — ' + span[3].join('; ');
      container.append(mark);
      at = end;
    }
    if (at < shown.length) container.append(document.createTextNode(shown.slice(at)));
    return shown.length;
  }

  function answerWords(answer) {
    if (answer === null || answer === undefined) return 'Not answered yet.';
    if (answer === 'skip') return 'Skipped.';
    const parts = [];
    state.index.labels.forEach((label, j) => {
      if (answer[j] !== null) parts.push(label + (answer[j] === 1 ? ' yes' : ' no'));
    });
    return 'Saved: ' + parts.join(', ') + '.';
  }

  function draftOf(position) {
    if (!state.drafts.has(position)) {
      const answer = answerOf(position);
      const draft = {};
      for (const label of state.index.chosen) draft[label] = Array.isArray(answer) && answer[labelIndex(label)] === 1 ? 1 : 0;
      state.drafts.set(position, draft);
    }
    return state.drafts.get(position);
  }

  function answerControls(position, item) {
    const group = element('div', 'answer');
    group.setAttribute('role', 'group');
    group.setAttribute('aria-label', 'Your answer for comment ' + state.index.id[position]);
    const draft = draftOf(position);
    for (const label of state.index.chosen) {
      const button = element('button', 'toggle', (draft[label] ? '☑ ' : '☐ ') + label + ' (' + KEY_OF_LABEL[label] + ')');
      button.type = 'button';
      button.dataset.label = label;
      button.setAttribute('aria-pressed', draft[label] ? 'true' : 'false');
      button.addEventListener('click', () => {
        focusItem(item, false);
        toggle(label);
      });
      group.append(button);
    }
    const save = element('button', 'save', 'Save (Enter)');
    save.type = 'button';
    save.addEventListener('click', () => {
      focusItem(item, false);
      saveCurrent();
    });
    const skip = element('button', 'skip', 'Skip (s)');
    skip.type = 'button';
    skip.addEventListener('click', () => {
      focusItem(item, false);
      skipCurrent();
    });
    group.append(save, skip, element('span', 'answered', answerWords(answerOf(position))));
    return group;
  }

  function commentItem(record, showParent, threaded) {
    const index = state.index;
    const position = record.position;
    const item = element('li', 'comment');
    item.tabIndex = -1;
    item.dataset.position = String(position);
    const depth = index.depth[position];
    if (threaded && depth > 0) {
      item.classList.add('reply');
      item.style.setProperty('--depth', String(Math.min(depth, MAX_INDENT)));
    }
    const flags = index.labels.filter((label) => flagged(position, label));
    if (flags.length) item.classList.add('flagged');

    const meta = element('div', 'meta');
    if (record.author) meta.append(element('bdi', 'author', record.author));
    if (record.time) meta.append(element('span', null, record.time));
    if (record.status) meta.append(element('span', 'status-badge status-' + record.status.replace(/[^a-z]/g, ''), record.status));
    meta.append(element('span', null, 'comment ' + record.id));
    if (depth > 0) meta.append(element('span', null, 'reply, level ' + number(depth) + (threaded && depth > MAX_INDENT ? ' (indented as ' + MAX_INDENT + ')' : '')));
    item.append(meta);
    if (!threaded) {
      const context = element('p', 'context', 'Thread: ');
      context.append(element('bdi', null, threadName(index.threads[index.thread[position]])));
      item.append(context);
    }
    if (record.parent && showParent) {
      const context = element('p', 'context', 'In reply to ');
      context.append(element('bdi', null, record.parent.author || 'comment ' + record.parent.id), document.createTextNode(': '));
      context.append(element('bdi', null, record.parent.excerpt));
      item.append(context);
    }

    const verdict = element('div', 'verdict');
    verdict.setAttribute('aria-label', flags.length ? 'Flagged: ' + flags.join(', ') : 'Not flagged');
    index.labels.forEach((label, j) => {
      const score = index.scores[position][j];
      if (score === null) return;
      const isFlagged = flagged(position, label);
      verdict.append(element('span', 'chip ' + label + (isFlagged ? ' flag' : ''), (isFlagged ? '⚑ ' : '') + label + ' ' + score.toFixed(2) + (isFlagged ? ' flagged' : '')));
    });
    if (!verdict.childElementCount) verdict.append(element('span', 'chip', 'no scores'));
    item.append(verdict);

    const text = element('div', 'text');
    text.dir = 'auto';
    const shown = renderText(text, record.text, record.spans, DISPLAY_CHARS);
    item.append(text);
    if (shown < record.length) {
      const more = element('button', 'more', 'Show all ' + number(record.length) + ' characters');
      more.type = 'button';
      more.addEventListener('click', async () => {
        more.disabled = true;
        const whole = await source.fullText(position);
        text.replaceChildren();
        renderText(text, whole, record.spans, Infinity);
        more.remove();
      });
      item.append(more);
    }
    for (const note of record.notes) item.append(element('p', 'notes', 'Note: ' + note));

    const labels = Object.keys(record.reasons);
    if (labels.length) {
      const list = element('ul', 'reasons');
      list.setAttribute('aria-label', 'Why it was flagged');
      for (const label of labels) {
        const entry = element('li');
        entry.append(element('strong', null, label + ': '));
        const reasons = record.reasons[label].map((reason) => reason.reason + ' (+' + reason.weight.toFixed(2) + ')');
        entry.append(document.createTextNode(reasons.length ? reasons.join('; ') : 'its words together; no single feature stands out'));
        list.append(entry);
      }
      item.append(list);
    }
    if (!source.readOnly) item.append(answerControls(position, item));
    item.addEventListener('click', (event) => {
      if (!event.target.closest('button')) focusItem(item, false);
    });
    item.setAttribute('aria-label', 'Comment ' + record.id + (record.author ? ' by ' + record.author : '') + (flags.length ? ', flagged ' + flags.join(', ') : ', not flagged'));
    return item;
  }

  async function render(focus) {
    const token = ++state.renderToken;
    const positions = pagePositions(state.page);
    const records = await recordsFor(positions);
    if (token !== state.renderToken) return false;
    const list = byId('list');
    const threaded = byId('sort').value === 'thread';
    const items = [];
    let lastThread = -1;
    let previous = -1;
    for (const record of records) {
      const thread = state.index.thread[record.position];
      if (threaded && thread !== lastThread) {
        items.push(threadHead(thread));
        lastThread = thread;
      }
      items.push(commentItem(record, !threaded || record.parent === null || record.parent.position !== previous, threaded));
      previous = record.position;
    }
    list.replaceChildren(...items);
    const first = state.page * PAGE_SIZE;
    byId('view-line').textContent = state.view.length
      ? 'Comments ' + number(first + 1) + '–' + number(first + positions.length) + ' of ' + number(state.view.length) + ' (page ' + number(state.page + 1) + ' of ' + number(pageCount()) + ')'
      : 'No comments match.';
    for (const id of ['previous-page', 'previous-page-bottom']) byId(id).disabled = state.page === 0;
    for (const id of ['next-page', 'next-page-bottom']) byId(id).disabled = state.page + 1 >= pageCount();
    if (positions.length) {
      state.current = Math.min(Math.max(state.current, first), first + positions.length - 1);
      markCurrent(focus);
    }
    prefetch(state.page + 1);
    return true;
  }

  function prefetch(page) {
    const positions = pagePositions(page).filter((position) => !state.records.has(position) && !inFlight.has(position));
    if (positions.length) fetchRecords(positions).catch(() => {}); // asked for again when the page is shown
  }

  // --- moving ----------------------------------------------------------------------------------

  function itemOf(viewIndex) {
    return byId('list').querySelector('li.comment[data-position="' + state.view[viewIndex] + '"]');
  }

  function markCurrent(focus) {
    for (const item of byId('list').querySelectorAll('li.comment.current')) item.classList.remove('current');
    const item = itemOf(state.current);
    if (!item) return;
    item.classList.add('current');
    item.setAttribute('aria-current', 'true');
    if (focus) {
      item.focus({ preventScroll: true });
      item.scrollIntoView({ block: 'nearest' });
    }
  }

  function focusItem(item, scroll) {
    const position = Number(item.dataset.position);
    const at = state.view.indexOf(position, state.page * PAGE_SIZE);
    if (at < 0) return;
    for (const other of byId('list').querySelectorAll('li.comment[aria-current]')) other.removeAttribute('aria-current');
    state.current = at;
    markCurrent(scroll);
  }

  async function move(step, started) {
    if (!state.view.length) return;
    const target = Math.min(Math.max(state.current + step, 0), state.view.length - 1);
    if (target === state.current) {
      say(step > 0 ? 'This is the last comment.' : 'This is the first comment.');
      return;
    }
    const page = Math.floor(target / PAGE_SIZE);
    state.current = target;
    for (const other of byId('list').querySelectorAll('li.comment[aria-current]')) other.removeAttribute('aria-current');
    if (page !== state.page) {
      state.page = page;
      if (!(await render(true))) return;
    } else {
      markCurrent(true);
    }
    performance.measure('review-move', { start: started, end: performance.now() });
  }

  async function turnPage(step) {
    const page = Math.min(Math.max(state.page + step, 0), pageCount() - 1);
    if (page === state.page) return;
    state.page = page;
    state.current = page * PAGE_SIZE;
    await render(true);
  }

  // --- answering ---------------------------------------------------------------------------------

  function currentPosition() {
    return state.view.length ? state.view[state.current] : null;
  }

  function refreshItem(position) {
    const item = byId('list').querySelector('li.comment[data-position="' + position + '"]');
    if (!item) return;
    const draft = draftOf(position);
    for (const button of item.querySelectorAll('.answer button.toggle')) {
      const label = button.dataset.label;
      button.textContent = (draft[label] ? '☑ ' : '☐ ') + label + ' (' + KEY_OF_LABEL[label] + ')';
      button.setAttribute('aria-pressed', draft[label] ? 'true' : 'false');
    }
    const answered = item.querySelector('.answer .answered');
    if (answered) answered.textContent = answerWords(answerOf(position));
  }

  function readOnlyNotice() {
    say('This report is read-only: answer with `moderation review`.');
  }

  function toggle(label) {
    if (source.readOnly) return readOnlyNotice();
    const position = currentPosition();
    if (position === null) return;
    if (!state.index.chosen.includes(label)) {
      say(label + ' is not being answered in this session (see --label).');
      return;
    }
    const draft = draftOf(position);
    draft[label] = draft[label] ? 0 : 1;
    refreshItem(position);
  }

  function send(position, body, done) {
    const key = state.index.key[position];
    state.saving = state.saving.then(async () => {
      try {
        const saved = await source.answer(Object.assign({ key }, body));
        state.index.answer[position] = saved.answer;
        state.drafts.delete(position);
        showCounts();
        refreshItem(position);
        say(done);
      } catch (error) {
        say('Not saved (comment ' + state.index.id[position] + '): ' + error.message);
      }
    });
    return state.saving;
  }

  function saveCurrent() {
    if (source.readOnly) return readOnlyNotice();
    const position = currentPosition();
    if (position === null) return;
    const draft = draftOf(position);
    const body = {};
    for (const label of state.index.chosen) body[label] = draft[label] ? 1 : 0;
    send(position, body, 'Saved comment ' + state.index.id[position] + '.');
    move(1, performance.now());
  }

  function skipCurrent() {
    if (source.readOnly) return readOnlyNotice();
    const position = currentPosition();
    if (position === null) return;
    send(position, { skip: true }, 'Skipped comment ' + state.index.id[position] + '.');
    move(1, performance.now());
  }

  // --- retraining ----------------------------------------------------------------------------------

  function showModel() {
    const model = state.index.model;
    byId('model-line').textContent = 'Scored by: ' + model.description + '.';
    byId('model-status').textContent = model.retrain_message || '';
  }

  async function reload() {
    state.index = await source.index();
    state.records.clear();
    inFlight.clear();
    showModel();
    showCounts();
    computeView();
    await render(false);
  }

  async function watchRetraining() {
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      let status;
      try {
        status = await source.status();
      } catch (error) {
        byId('model-status').textContent = 'Lost the server: ' + error.message;
        break;
      }
      byId('model-status').textContent = status.message;
      if (status.state === 'idle') {
        if (status.generation !== state.generation) {
          state.generation = status.generation;
          await reload();
          say(status.message);
        } else {
          say(status.message);
        }
        break;
      }
    }
    byId('retrain').disabled = false;
  }

  async function retrain() {
    const button = byId('retrain');
    button.disabled = true;
    try {
      await state.saving;
      const status = await source.retrain();
      byId('model-status').textContent = status.message;
      say(status.message);
      if (status.state !== 'idle') {
        await watchRetraining();
        return;
      }
    } catch (error) {
      say('Retraining did not start: ' + error.message);
    }
    button.disabled = false;
  }

  // --- keys ------------------------------------------------------------------------------------------

  function onKey(event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target.matches('input, select, textarea')) {
      if (event.key === 'Escape') {
        target.blur();
        markCurrent(true);
      }
      return;
    }
    if ((event.key === 'Enter' || event.key === ' ') && target.closest('button, a')) return; // the control's own action
    const started = event.timeStamp;
    switch (event.key) {
      case 'j': move(1, started); break;
      case 'k': move(-1, started); break;
      case 'o': case 'h': case 'a': toggle(LABEL_OF_KEY[event.key]); break;
      case 'Enter': saveCurrent(); break;
      case 's': skipCurrent(); break;
      case 'n': turnPage(1); break;
      case 'p': turnPage(-1); break;
      case '/': byId('filter-search').focus(); break;
      default: return;
    }
    event.preventDefault();
  }

  // --- start -----------------------------------------------------------------------------------------

  function fillFilters() {
    const index = state.index;
    const labelSelect = byId('filter-label');
    for (const label of index.labels) labelSelect.append(element('option', null, label));
    const threadSelect = byId('filter-thread');
    index.threads.forEach((thread, number_) => {
      const option = element('option', null, threadName(thread));
      option.value = String(number_);
      threadSelect.append(option);
    });
    if (index.threads.length === 1) threadSelect.disabled = true;
    const initial = (report && report.initial) || {};
    if (initial.flagged_only) byId('filter-flagged').checked = true;
  }

  async function refilter(event) {
    const started = event ? event.timeStamp : performance.now();
    state.page = 0;
    state.current = 0;
    computeView();
    await render(false);
    performance.measure('review-refilter', { start: started, end: performance.now() });
  }

  let searchTimer = 0;
  function onSearch() {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(async () => {
      const query = byId('filter-search').value.trim();
      state.hits = query ? await source.search(query) : null;
      await refilter(null);
      say(query ? number(state.view.length) + ' comments match “' + query + '”.' : '');
    }, 200);
  }

  async function start() {
    if (source.readOnly) document.body.classList.add('read-only');
    if (!source.hasToken) {
      say('Open the address `moderation review` printed: it carries this session’s key.');
      return;
    }
    try {
      state.index = await source.index();
    } catch (error) {
      say('Could not load the comments: ' + error.message);
      return;
    }
    const heading = (report ? 'Report: ' : 'Review: ') + state.index.source.input.split('/').pop();
    byId('page-title').textContent = heading;
    document.title = heading + ' — moderation';
    byId('source-line').textContent = report
      ? report.subtitle
      : state.index.source.input + ': answers are saved to ' + state.index.source.labels + ' as you give them.';
    showModel();
    if (!source.readOnly) {
      const button = byId('retrain');
      button.hidden = false;
      button.addEventListener('click', retrain);
    }
    fillFilters();
    showCounts();
    computeView();
    for (const id of ['filter-flagged', 'filter-label', 'filter-thread', 'filter-answered', 'sort']) byId(id).addEventListener('change', refilter);
    byId('filter-search').addEventListener('input', onSearch);
    for (const id of ['previous-page', 'previous-page-bottom']) byId(id).addEventListener('click', () => turnPage(-1));
    for (const id of ['next-page', 'next-page-bottom']) byId(id).addEventListener('click', () => turnPage(1));
    document.addEventListener('keydown', onKey);
    await render(false);
    performance.mark('review-interactive');
    document.body.dataset.ready = 'true';
  }

  start();
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', review);
else review();
