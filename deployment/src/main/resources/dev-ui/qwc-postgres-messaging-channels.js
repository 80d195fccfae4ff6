import { html, css } from 'lit';
import { PostgresMessagingPage } from './qwc-postgres-messaging-page.js';
import '@vaadin/button';

/**
 * The application's postgres channels: direction, model, datasource, state, the attributes they
 * resolved to at startup, and pause / resume for incoming ones.
 */
export class QwcPostgresMessagingChannels extends PostgresMessagingPage {

    static styles = [PostgresMessagingPage.styles, css`
        .failure { color: var(--lumo-error-text-color); }
        .paused { color: var(--lumo-warning-text-color, orange); }
        dl { display: grid; grid-template-columns: max-content auto; gap: 0 1em; margin: 0.3em 0;
             font-size: var(--lumo-font-size-s); }
        dt { color: var(--lumo-secondary-text-color); }
        dd { margin: 0; font-family: var(--lumo-font-family-monospace, monospace); overflow-wrap: anywhere; }
    `];

    static properties = {
        _channels: { state: true }
    };

    get perDataSource() {
        return false;
    }

    refresh() {
        this.jsonRpc.getChannels().then(r => { this._channels = r.result; });
    }

    _toggle(channel) {
        const call = channel.paused ? this.jsonRpc.resume({ channel: channel.name })
            : this.jsonRpc.pause({ channel: channel.name });
        call.then(r => { this._channels = r.result; });
    }

    render() {
        if (!this._channels) {
            return html`<span class="bar">Loading channels...</span>`;
        }
        if (this._channels.length === 0) {
            return html`<div class="bar">The application has no postgres channels.</div>`;
        }
        return html`
            <table data-testid="channels">
                <tr><th>Channel</th><th>Direction</th><th>Model</th><th>Datasource</th><th>State</th><th></th>
                    <th>Attributes</th></tr>
                ${this._channels.map(c => html`<tr>
                    <td>${c.name}</td>
                    <td>${c.direction}</td>
                    <td>${c.model}</td>
                    <td>${c.dataSource}</td>
                    <td>${c.failure ? html`<span class="failure">${c.failure}</span>`
                        : c.paused ? html`<span class="paused">paused</span>` : 'running'}</td>
                    <td>${c.direction === 'incoming' ? html`<vaadin-button theme="small"
                        @click=${() => this._toggle(c)}>${c.paused ? 'Resume' : 'Pause'}</vaadin-button>` : ''}</td>
                    <td><details><summary>${Object.keys(c.attributes).length} attributes</summary>
                        <dl>${Object.entries(c.attributes).map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl>
                    </details></td>
                </tr>`)}
            </table>`;
    }
}
customElements.define('qwc-postgres-messaging-channels', QwcPostgresMessagingChannels);
