import { html, css } from 'lit';
import { PostgresMessagingPage } from './qwc-postgres-messaging-page.js';

/**
 * Topics with their partitions and retention, and each consumer group's live members and lag per
 * partition.
 */
export class QwcPostgresMessagingTopics extends PostgresMessagingPage {

    static styles = [PostgresMessagingPage.styles, css`
        .partitions { font-size: var(--lumo-font-size-s); color: var(--lumo-secondary-text-color); }
    `];

    static properties = {
        _topics: { state: true },
        _groups: { state: true }
    };

    refresh() {
        const ds = this.dataSource;
        this.jsonRpc.getTopics({ dataSource: ds }).then(r => {
            const topics = r.result;
            const reads = topics.flatMap(t => t.groups.map(g =>
                this.jsonRpc.getGroup({ dataSource: ds, group: g, topic: t.name }).then(x => x.result)));
            Promise.all(reads).then(groups => { this._topics = topics; this._groups = groups; });
        });
    }

    render() {
        if (!this._topics) {
            return html`<span class="bar">Loading topics...</span>`;
        }
        return html`
            ${this.renderDataSources()}
            ${this._topics.length === 0 ? html`<div class="bar">No topics.</div>` : ''}
            <table data-testid="topics">
                <tr><th>Topic</th><th>Partitions</th><th>Retention</th><th>Group</th><th>Live members</th><th>Lag</th>
                    <th>Per partition (committed / end)</th></tr>
                ${this._topics.flatMap(t => {
                    const groups = this._groups.filter(g => g.topic === t.name);
                    const head = html`<td>${t.name}</td><td class="number">${t.partitions}</td>
                        <td>${t.retention == null ? 'forever' : this._duration(t.retention)}</td>`;
                    if (groups.length === 0) {
                        return [html`<tr>${head}<td colspan="4"><em>no groups</em></td></tr>`];
                    }
                    return groups.map((g, i) => html`<tr>
                        ${i === 0 ? head : html`<td></td><td></td><td></td>`}
                        <td>${g.group}</td>
                        <td class="number">${g.liveMembers}</td>
                        <td class="number">${g.partitions.reduce((sum, p) => sum + this._lag(p), 0)}</td>
                        <td class="partitions">${g.partitions.map(p =>
                            p.partition + ': ' + (p.committedOffset ?? '-') + ' / ' + p.logEndOffset).join(', ')}</td>
                    </tr>`);
                })}
            </table>`;
    }

    _lag(p) {
        return p.logEndOffset - Math.max(p.committedOffset ?? p.logStartOffset, p.logStartOffset);
    }

    _duration(seconds) {
        const s = Number(seconds);
        return s % 86400 === 0 ? (s / 86400) + ' d' : s % 3600 === 0 ? (s / 3600) + ' h' : s + ' s';
    }
}
customElements.define('qwc-postgres-messaging-topics', QwcPostgresMessagingTopics);
