import { useEffect, useRef, useState } from 'preact/hooks';
import { type LogGroup, op } from '../api';

let pickerIds = 0;

/** Chooses log groups: chips for the chosen ones, an input that suggests names. */
export function GroupPicker({ groups, onChange, max = 20 }: { groups: string[]; onChange: (g: string[]) => void; max?: number }) {
  const [text, setText] = useState('');
  const [names, setNames] = useState<string[]>([]);
  const id = useRef(`groups-${++pickerIds}`);

  useEffect(() => {
    const ctl = new AbortController();
    const t = setTimeout(() => {
      const input: Record<string, unknown> = { limit: 50 };
      if (text.trim()) input.logGroupNamePattern = text.trim();
      op<{ logGroups: LogGroup[] }>('DescribeLogGroups', input, ctl.signal)
        .then((r) => setNames(r.logGroups.map((g) => g.logGroupName)))
        .catch(() => {});
    }, 150);
    return () => {
      clearTimeout(t);
      ctl.abort();
    };
  }, [text]);

  const add = (name: string) => {
    name = name.trim();
    if (name && !groups.includes(name) && groups.length < max) onChange([...groups, name]);
    setText('');
  };

  return (
    <div class="picker" data-testid="group-picker">
      {groups.map((g) => (
        <span class="chip" key={g}>
          <span class="chip-text">{g}</span>
          <button class="chip-x" aria-label={`Remove ${g}`} onClick={() => onChange(groups.filter((x) => x !== g))}>
            ×
          </button>
        </span>
      ))}
      <input
        class="picker-input"
        list={id.current}
        placeholder={groups.length ? 'Add a log group' : 'Choose log groups'}
        aria-label="Log group"
        value={text}
        onInput={(e) => {
          const v = e.currentTarget.value;
          // Choosing a suggestion fills the input with an exact name.
          if (names.includes(v) && (e as InputEvent).inputType !== 'insertText') add(v);
          else setText(v);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            add(text);
          } else if (e.key === 'Backspace' && text === '' && groups.length) {
            onChange(groups.slice(0, -1));
          }
        }}
      />
      <datalist id={id.current}>
        {names
          .filter((n) => !groups.includes(n))
          .map((n) => (
            <option key={n} value={n} />
          ))}
      </datalist>
    </div>
  );
}
