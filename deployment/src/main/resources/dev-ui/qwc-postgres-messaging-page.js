import { LitElement, html, css } from 'lit';
import { JsonRpc } from 'jsonrpc';

/**
 * What the card's pages share: the JSON-RPC service, a refresh every two seconds while the page is
 * shown, the datasource to read (a choice when the application's channels use several), and the
 * look of their tables. A page implements refresh().
 */
export class PostgresMessagingPage extends LitElement {

    jsonRpc = new JsonRpc(this);

    static styles = css`
        table { border-collapse: collapse; margin: 0 1em 1em 1em; }
        th, td { text-align: left; padding: 0.2em 0.8em; border-bottom: 1px solid var(--lumo-contrast-10pct); vertical-align: top; }
        td.number { text-align: right; font-variant-numeric: tabular-nums; }
        .bar { margin: 0.5em 1em; display: flex; gap: 1em; align-items: center; }
        .error { color: var(--lumo-error-text-color); margin: 0 1em; }
        code, .mono { font-family: var(--lumo-font-family-monospace, monospace); overflow-wrap: anywhere; }
    `;

    static properties = {
        dataSources: { state: true },
        dataSource: { state: true }
    };

    /** Whether the page reads one datasource (the channels page reads the application). */
    get perDataSource() {
        return true;
    }

    connectedCallback() {
        super.connectedCallback();
        if (this.perDataSource) {
            this.jsonRpc.getDataSources().then(r => {
                this.dataSources = r.result;
                this.dataSource = r.result[0];
                this.refresh();
            });
        } else {
            this.refresh();
        }
        this._timer = setInterval(() => {
            if (this.dataSource || !this.perDataSource) {
                this.refresh();
            }
        }, 2000);
    }

    disconnectedCallback() {
        clearInterval(this._timer);
        super.disconnectedCallback();
    }

    refresh() {
    }

    /** The datasource choice, shown when there is more than one. */
    renderDataSources() {
        if (!this.dataSources || this.dataSources.length < 2) {
            return '';
        }
        return html`<div class="bar">Datasource
            <select @change=${e => { this.dataSource = e.target.value; this.dataSourceChanged(); this.refresh(); }}>
                ${this.dataSources.map(ds => html`<option ?selected=${ds === this.dataSource}>${ds}</option>`)}
            </select></div>`;
    }

    dataSourceChanged() {
    }
}
