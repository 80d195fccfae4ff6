// The console: reads the admin endpoints (api/...) every two seconds and shows queues, dead letters,
// exchanges, topics and consumer groups, and the application's channels (with pause and resume).
// Plain DOM, no framework and nothing from a CDN.
'use strict';

const REFRESH_MILLIS = 2000;
const datasource = new URLSearchParams(location.search).get('datasource');
let peeked = null;  // { queue, after, deadLetters }

function api(path, options) {
    const url = new URL('api/' + path, location.href);
    if (datasource) {
        url.searchParams.set('datasource', datasource);
    }
    return fetch(url, Object.assign({ headers: { 'Content-Type': 'application/json' } }, options))
        .then(response => response.ok ? response.json()
            : response.text().then(text => Promise.reject(new Error(response.status + ' ' + text))));
}

function cell(row, text, className) {
    const td = row.insertCell();
    td.textContent = text === null || text === undefined ? '' : String(text);
    if (className) {
        td.className = className;
    }
    return td;
}

function button(td, label, testId, onClick) {
    const b = document.createElement('button');
    b.textContent = label;
    b.dataset.testid = testId;
    b.addEventListener('click', onClick);
    td.appendChild(b);
    return b;
}

function seconds(value) {
    return value === null || value === undefined ? '' : Number(value).toFixed(1) + ' s';
}

function renderQueues(queues) {
    const body = document.querySelector('[data-testid=queues] tbody');
    body.replaceChildren();
    for (const q of queues) {
        const row = body.insertRow();
        row.dataset.queue = q.name;
        if (q.deadLettered > 0) {
            row.className = 'attention';
        }
        cell(row, q.name);
        cell(row, q.ready, 'number ready');
        cell(row, q.delayed, 'number delayed');
        cell(row, q.inFlight, 'number in-flight');
        cell(row, seconds(q.oldestReady), 'number');
        cell(row, q.deadLetterQueue);
        cell(row, q.deadLettered, 'number dead');
        const actions = cell(row, '');
        button(actions, 'Peek', 'peek-' + q.name, () => peek(q.name, 0));
    }
}

function peek(queue, after) {
    peeked = { queue, after };
    return api('queues/' + encodeURIComponent(queue) + '/messages?limit=50&after=' + after).then(messages => {
        document.getElementById('peek').hidden = false;
        document.getElementById('peek-queue').textContent = queue;
        const body = document.querySelector('[data-testid=messages] tbody');
        body.replaceChildren();
        let deadLetters = false;
        for (const m of messages) {
            const row = body.insertRow();
            row.dataset.id = m.id;
            cell(row, m.id, 'number');
            cell(row, m.attempts, 'number');
            cell(row, m.enqueuedAt);
            cell(row, m.inFlight ? 'in flight' : (new Date(m.visibleAt) > new Date() ? 'delayed' : 'ready'));
            cell(row, m.key);
            cell(row, m.payload, 'payload');
            cell(row, m.headers['dead-letter-reason']);
            const actions = cell(row, '');
            if (m.headers['dead-letter-queue']) {
                deadLetters = true;
                button(actions, 'Redrive', 'redrive-' + m.id, () => redrive(queue, { ids: [m.id] }));
            }
        }
        document.getElementById('redrive-all').hidden = !deadLetters;
        const more = document.getElementById('peek-more');
        more.hidden = messages.length < 50;
        more.onclick = () => peek(queue, messages[messages.length - 1].id);
    });
}

function redrive(queue, selection) {
    return api('queues/' + encodeURIComponent(queue) + '/redrive', { method: 'POST', body: JSON.stringify(selection) })
        .then(() => Promise.all([refresh(), peek(queue, 0)]));
}

function renderExchanges(exchanges) {
    const body = document.querySelector('[data-testid=exchanges] tbody');
    body.replaceChildren();
    for (const e of exchanges) {
        const row = body.insertRow();
        cell(row, e.name);
        cell(row, e.type);
        cell(row, e.bindings.map(b => b.queue + (b.routingKey ? ' ← ' + b.routingKey : '')
            + (Object.keys(b.headers).length ? ' ← ' + JSON.stringify(b.headers) + (b.matchAll ? '' : ' (any)') : ''))
            .join(', '));
    }
}

function renderTopics(topics) {
    const body = document.querySelector('[data-testid=topics] tbody');
    const groups = topics.flatMap(t => (t.groups.length ? t.groups : [null]).map(g => ({ topic: t, group: g })));
    return Promise.all(groups.map(entry => entry.group === null ? Promise.resolve(null)
        : api('topics/' + encodeURIComponent(entry.topic.name) + '/groups/' + encodeURIComponent(entry.group))))
        .then(infos => {
            body.replaceChildren();
            groups.forEach((entry, i) => {
                const row = body.insertRow();
                cell(row, entry.topic.name);
                cell(row, entry.topic.partitions, 'number');
                cell(row, entry.topic.retention === null ? 'forever' : seconds(entry.topic.retention));
                cell(row, entry.group);
                cell(row, infos[i] ? infos[i].liveMembers : '', 'number');
                cell(row, infos[i] ? infos[i].partitions.reduce((sum, p) => sum + lag(p), 0) : '', 'number lag');
            });
        });
}

function renderChannels(channels) {
    const body = document.querySelector('[data-testid=channels] tbody');
    body.replaceChildren();
    for (const c of channels) {
        const row = body.insertRow();
        row.dataset.channel = c.name;
        cell(row, c.name);
        cell(row, c.direction);
        cell(row, c.model);
        cell(row, c.dataSource);
        cell(row, c.failure ? c.failure : (c.paused ? 'paused' : 'running'), c.failure ? 'state error' : 'state');
        const actions = cell(row, '');
        if (c.direction === 'incoming') {
            const action = c.paused ? 'resume' : 'pause';
            button(actions, c.paused ? 'Resume' : 'Pause', action + '-' + c.name,
                () => api('channels/' + encodeURIComponent(c.name) + '/' + action, { method: 'POST' }).then(refresh));
        }
    }
}

function lag(p) {
    const from = p.committedOffset === null ? p.logStartOffset : Math.max(p.committedOffset, p.logStartOffset);
    return p.logEndOffset - from;
}

function refresh() {
    const status = document.getElementById('status');
    return Promise.all([api('queues'), api('exchanges'), api('topics'), api('channels')])
        .then(([queues, exchanges, topics, channels]) => {
            renderQueues(queues);
            renderExchanges(exchanges);
            renderChannels(channels);
            return renderTopics(topics);
        })
        .then(() => {
            status.textContent = 'refreshed ' + new Date().toLocaleTimeString();
            status.className = '';
        })
        .catch(error => {
            status.textContent = 'cannot refresh: ' + error.message;
            status.className = 'error';
        });
}

document.getElementById('redrive-all').addEventListener('click', () => redrive(peeked.queue, {}));
document.getElementById('peek-close').addEventListener('click', () => {
    peeked = null;
    document.getElementById('peek').hidden = true;
});
refresh();
setInterval(() => {
    refresh();
    if (peeked && peeked.after === 0) {
        peek(peeked.queue, 0);
    }
}, REFRESH_MILLIS);
