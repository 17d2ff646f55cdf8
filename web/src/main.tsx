import { render } from 'preact';
import { App } from './components/App';
import { applyTheme, loadTheme } from './theme';
import 'uplot/dist/uPlot.min.css';
import './styles.css';

applyTheme(loadTheme());
matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => applyTheme(loadTheme()));
render(<App />, document.getElementById('app')!);
