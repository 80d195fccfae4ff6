import { html, css } from 'lit';
import { PostgresMessagingPage } from './qwc-postgres-messaging-page.js';
import '@vaadin/button';

/**
 * Queues by state, with their dead-letter queues; peek a page of a queue's messages and redrive
 * dead letters (one, or all of a queue's).
 */
export class QwcPostgresMessagingQueues extends PostgresMessagingPage {

    static styles = [PostgresMessagingPage.styles, css`
        tr.attention td.dead { color: var(--lumo-error-text-color); font-weight: bold; }
        .payload { font-family: var(--lumo-font-family-monospace, monospace); max-width: 40em; overflow-wrap: anywhere; }
    `];

    static properties = {
        _queues: { state: true },
        _peeked: { state: true },
        _messages: { state: true },
        _error: { state: true }
    };

    refresh() {
        this.jsonRpc.getQueues({ dataSource: this.dataSource })
            .then(r => { this._queues = r.result; this._error = null; })
            .catch(e => { this._error = String(e.error?.message ?? e); });
    }

    dataSourceChanged() {
        this._peeked = null;
    }

    _peek(queue, afterId) {
        this._peeked = { queue, afterId };
        this.jsonRpc.peek({ dataSource: this.dataSource, queue: queue, afterId: afterId })
            .then(r => { this._messages = r.result; });
    }

    _redrive(deadLetterQueue, ids) {
        this.jsonRpc.redrive({ dataSource: this.dataSource, deadLetterQueue: deadLetterQueue, ids: ids })
            .then(() => {
                this.refresh();
                if (this._peeked) {
                    this._peek(this._peeked.queue, this._peeked.afterId);
                }
            });
    }

    render() {
        if (!this._queues) {
            return html`<span class="bar">Loading queues...</span>`;
        }
        return html`
            ${this.renderDataSources()}
            ${this._error ? html`<div class="error">${this._error}</div>` : ''}
            <table data-testid="queues">
                <tr><th>Queue</th><th>Ready</th><th>Delayed</th><th>In flight</th><th>Oldest ready</th>
                    <th>Dead-letter queue</th><th>Dead-lettered</th><th></th></tr>
                ${this._queues.map(q => html`
                <tr class=${q.deadLettered > 0 ? 'attention' : ''}>
                    <td>${q.name}</td>
                    <td class="number">${q.ready}</td>
                    <td class="number">${q.delayed}</td>
                    <td class="number">${q.inFlight}</td>
                    <td class="number">${q.oldestReady == null ? '' : Number(q.oldestReady).toFixed(1) + ' s'}</td>
                    <td>${q.deadLetterQueue ?? ''}</td>
                    <td class="number dead">${q.deadLetterQueue ? q.deadLettered : ''}</td>
                    <td>
                        <vaadin-button theme="small" @click=${() => this._peek(q.name, 0)}>Peek</vaadin-button>
                        ${q.deadLettered > 0 ? html`<vaadin-button theme="small error"
                            @click=${() => this._redrive(q.deadLetterQueue, [])}>Redrive all</vaadin-button>` : ''}
                    </td>
                </tr>`)}
            </table>
            ${this._peeked ? this._renderMessages() : ''}`;
    }

    _renderMessages() {
        const messages = this._messages ?? [];
        const last = messages.length > 0 ? messages[messages.length - 1].id : null;
        return html`
            <div class="bar"><strong>${this._peeked.queue}</strong>
                <span>${messages.length} message(s) after id ${this._peeked.afterId}</span>
                ${this._peeked.afterId > 0 ? html`<vaadin-button theme="small"
                    @click=${() => this._peek(this._peeked.queue, 0)}>First page</vaadin-button>` : ''}
                ${messages.length === 50 ? html`<vaadin-button theme="small"
                    @click=${() => this._peek(this._peeked.queue, last)}>Next page</vaadin-button>` : ''}
                <vaadin-button theme="small tertiary" @click=${() => { this._peeked = null; }}>Close</vaadin-button>
            </div>
            <table data-testid="messages">
                <tr><th>Id</th><th>Attempts</th><th>Enqueued</th><th>State</th><th>Key</th><th>Payload</th>
                    <th>Reason</th><th></th></tr>
                ${messages.map(m => html`
                <tr>
                    <td class="number">${m.id}</td>
                    <td class="number">${m.attempts}</td>
                    <td>${m.enqueuedAt}</td>
                    <td>${m.inFlight ? 'in flight' : (new Date(m.visibleAt) > new Date() ? 'delayed' : 'ready')}</td>
                    <td>${m.key ?? ''}</td>
                    <td class="payload">${m.payload ?? ''}</td>
                    <td>${m.headers['dead-letter-reason'] ?? ''}</td>
                    <td>${m.headers['dead-letter-queue'] ? html`<vaadin-button theme="small"
                        @click=${() => this._redrive(this._peeked.queue, [m.id])}>Redrive</vaadin-button>` : ''}</td>
                </tr>`)}
            </table>`;
    }
}
customElements.define('qwc-postgres-messaging-queues', QwcPostgresMessagingQueues);
