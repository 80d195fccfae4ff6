import { html } from 'lit';
import { PostgresMessagingPage } from './qwc-postgres-messaging-page.js';

/** Exchanges with their type and bindings. */
export class QwcPostgresMessagingExchanges extends PostgresMessagingPage {

    static properties = {
        _exchanges: { state: true }
    };

    refresh() {
        this.jsonRpc.getExchanges({ dataSource: this.dataSource }).then(r => { this._exchanges = r.result; });
    }

    render() {
        if (!this._exchanges) {
            return html`<span class="bar">Loading exchanges...</span>`;
        }
        return html`
            ${this.renderDataSources()}
            ${this._exchanges.length === 0 ? html`<div class="bar">No exchanges.</div>` : ''}
            <table data-testid="exchanges">
                <tr><th>Exchange</th><th>Type</th><th>Queue</th><th>Binding</th></tr>
                ${this._exchanges.flatMap(x => x.bindings.length === 0
                    ? [html`<tr><td>${x.name}</td><td>${x.type}</td><td colspan="2"><em>no bindings</em></td></tr>`]
                    : x.bindings.map((b, i) => html`<tr>
                        <td>${i === 0 ? x.name : ''}</td><td>${i === 0 ? x.type : ''}</td>
                        <td>${b.queue}</td><td><code>${this._binding(x.type, b)}</code></td></tr>`))}
            </table>`;
    }

    _binding(type, b) {
        if (type === 'headers') {
            const pairs = Object.entries(b.headers).map(([k, v]) => k + '=' + v).join(', ');
            return (b.matchAll ? 'all of ' : 'any of ') + pairs;
        }
        return type === 'fanout' ? '(every message)' : b.routingKey;
    }
}
customElements.define('qwc-postgres-messaging-exchanges', QwcPostgresMessagingExchanges);
