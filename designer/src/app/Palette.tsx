// The palette: the activity catalog by category, searchable. Drag an activity onto the canvas, or press Enter on it,
// to add a step.
import { useState } from 'react';
import { paletteGroups, type ActivityDescriptor } from '../model/catalog';
import { activityMime } from './Canvas';

export function Palette({ catalog, onAdd }: { catalog: ActivityDescriptor[]; onAdd(uses: string): void }) {
  const [search, setSearch] = useState('');
  const groups = paletteGroups(catalog, search);
  return (
    <nav className="palette" aria-label="Activities">
      <input id="palette-search" type="search" placeholder="Search activities" aria-label="Search activities" value={search}
        onChange={(e) => setSearch(e.target.value)} />
      {groups.length === 0 && <p className="muted">{catalog.length === 0 ? 'Loading the catalog…' : 'No activity matches.'}</p>}
      {groups.map(([category, activities]) => (
        <section key={category} aria-label={category}>
          <h3>{category}</h3>
          <ul>
            {activities.map((a) => (
              <li key={a.uses}>
                <button type="button" draggable className="activity" title={a.description}
                  onDragStart={(e) => {
                    e.dataTransfer.setData(activityMime, a.uses);
                    e.dataTransfer.effectAllowed = 'copy';
                  }}
                  onClick={() => onAdd(a.uses)}>
                  <span className="visually-hidden">Add a step: </span>
                  <span className="activity-name">{a.uses}</span>
                  <span className="activity-description">{a.description}</span>
                </button>
              </li>
            ))}
          </ul>
        </section>
      ))}
    </nav>
  );
}
