package web

import (
	"fmt"
	"html/template"
)

// iconPaths are the inner shapes of the UI's 24×24 stroke icons, drawn
// for Rapport. The icon template func wraps them in an <svg> that takes
// the text colour.
var iconPaths = map[string]string{
	"users":         `<circle cx="9" cy="8" r="3.5"/><path d="M2.5 20c0-3.6 2.9-6 6.5-6s6.5 2.4 6.5 6"/><path d="M16 4.7a3.5 3.5 0 0 1 0 6.6"/><path d="M18.5 14.4c1.8.8 3 2.8 3 5.6"/>`,
	"shield":        `<path d="M12 3l7.5 3v5.5c0 4.7-3.2 8.3-7.5 9.5-4.3-1.2-7.5-4.8-7.5-9.5V6z"/><path d="M9 12l2.2 2.2L15.5 10"/>`,
	"sliders":       `<path d="M4 6h10"/><path d="M18 6h2"/><circle cx="16" cy="6" r="2"/><path d="M4 12h3"/><path d="M11 12h9"/><circle cx="9" cy="12" r="2"/><path d="M4 18h11"/><path d="M19 18h1"/><circle cx="17" cy="18" r="2"/>`,
	"tag":           `<path d="M3.5 12.3V4.5a1 1 0 0 1 1-1h7.8l8.2 8.2a1.4 1.4 0 0 1 0 2l-6.8 6.8a1.4 1.4 0 0 1-2 0z"/><circle cx="8.5" cy="8.5" r="1.5"/>`,
	"key":           `<circle cx="8" cy="15" r="4"/><path d="M10.8 12.2L20 3"/><path d="M16.5 6.5l2.5 2.5"/><path d="M14 9l2 2"/>`,
	"code":          `<path d="M8.5 7L3.5 12l5 5"/><path d="M15.5 7l5 5-5 5"/><path d="M13.5 4.5l-3 15"/>`,
	"history":       `<path d="M3.5 12a8.5 8.5 0 1 0 2.5-6"/><path d="M3.5 4v4h4"/><path d="M12 7.5V12l3 2"/>`,
	"columns":       `<rect x="3.5" y="4.5" width="17" height="15" rx="1.5"/><path d="M9.5 4.5v15"/><path d="M14.5 4.5v15"/>`,
	"lock":          `<rect x="5" y="10.5" width="14" height="10" rx="1.5"/><path d="M8 10.5V7.5a4 4 0 0 1 8 0v3"/>`,
	"copy":          `<rect x="8.5" y="8.5" width="11" height="11" rx="1.5"/><path d="M15.5 8.5V5.5a1 1 0 0 0-1-1h-9a1 1 0 0 0-1 1v9a1 1 0 0 0 1 1h3"/>`,
	"save":          `<path d="M5 4h11l3 3v13H5z"/><path d="M8 4v5h7V4"/><path d="M8 20v-6h8v6"/>`,
	"restore":       `<path d="M4 12a8 8 0 1 0 2.4-5.7"/><path d="M4 4v4.5h4.5"/>`,
	"building":      `<rect x="4.5" y="3.5" width="15" height="17" rx="1"/><path d="M9 8h1.5"/><path d="M13.5 8H15"/><path d="M9 12h1.5"/><path d="M13.5 12H15"/><path d="M10.5 20.5v-4h3v4"/>`,
	"customers":     `<circle cx="9" cy="8" r="3.5"/><path d="M2.5 20c0-3.6 2.9-6 6.5-6s6.5 2.4 6.5 6"/><path d="M16 4.7a3.5 3.5 0 0 1 0 6.6"/><path d="M18.5 14.4c1.8.8 3 2.8 3 5.6"/>`,
	"sales":         `<path d="M3 17l6-6 4 4 8-8"/><path d="M15 7h6v6"/>`,
	"marketing":     `<path d="M3 11v2a1 1 0 0 0 1 1h2l5 4V6L6 10H4a1 1 0 0 0-1 1z"/><path d="M15.5 8.5a5 5 0 0 1 0 7"/><path d="M18.5 5.5a9 9 0 0 1 0 13"/>`,
	"service":       `<path d="M4 15v-3a8 8 0 0 1 16 0v3"/><rect x="3" y="14" width="4" height="6" rx="1.5"/><rect x="17" y="14" width="4" height="6" rx="1.5"/><path d="M19 20c0 1.1-1.3 2-3 2h-3"/>`,
	"analytics":     `<path d="M3 21h18"/><rect x="5" y="11" width="3" height="7" rx="1"/><rect x="10.5" y="6" width="3" height="12" rx="1"/><rect x="16" y="13" width="3" height="5" rx="1"/>`,
	"settings":      `<path d="M4 6h9"/><path d="M17 6h3"/><circle cx="15" cy="6" r="2"/><path d="M4 12h3"/><path d="M11 12h9"/><circle cx="9" cy="12" r="2"/><path d="M4 18h11"/><path d="M19 18h1"/><circle cx="17" cy="18" r="2"/>`,
	"home":          `<path d="M4 10.5L12 4l8 6.5V20a1 1 0 0 1-1 1h-4.5v-6h-5v6H5a1 1 0 0 1-1-1z"/>`,
	"search":        `<circle cx="11" cy="11" r="7"/><path d="M20 20l-3.5-3.5"/>`,
	"menu":          `<path d="M4 6h16"/><path d="M4 12h16"/><path d="M4 18h16"/>`,
	"x":             `<path d="M6 6l12 12"/><path d="M18 6L6 18"/>`,
	"globe":         `<circle cx="12" cy="12" r="9"/><path d="M3 12h18"/><path d="M12 3c2.5 2.5 3.8 5.5 3.8 9s-1.3 6.5-3.8 9c-2.5-2.5-3.8-5.5-3.8-9S9.5 5.5 12 3z"/>`,
	"chevron-down":  `<path d="M7 10l5 5 5-5"/>`,
	"chevron-left":  `<path d="M14 7l-5 5 5 5"/>`,
	"chevron-right": `<path d="M10 7l5 5-5 5"/>`,
	"check":         `<path d="M5 12.5l4.5 4.5L19 7.5"/>`,
	"phone":         `<path d="M5 4h3.5l1.5 4.5-2 1.5a11 11 0 0 0 6 6l1.5-2 4.5 1.5V19a1.5 1.5 0 0 1-1.5 1.5A15.5 15.5 0 0 1 3.5 5.5 1.5 1.5 0 0 1 5 4z"/>`,
	"calendar":      `<rect x="3.5" y="5" width="17" height="15.5" rx="2"/><path d="M3.5 10h17M8 3v4M16 3v4"/>`,
	"merge":         `<circle cx="6" cy="5.5" r="2"/><circle cx="6" cy="18.5" r="2"/><circle cx="18" cy="12" r="2"/><path d="M6 7.5v9M6 9c0 3 4 3 10 3"/>`,
	"check-circle":  `<circle cx="12" cy="12" r="9"/><path d="M8 12.5l2.8 2.8L16.5 9.5"/>`,
	"user":          `<circle cx="12" cy="8" r="4"/><path d="M4 21c0-4 3.6-7 8-7s8 3 8 7"/>`,
	"logout":        `<path d="M9 20H6a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2h3"/><path d="M16 16.5l4.5-4.5L16 7.5"/><path d="M20.5 12H9.5"/>`,
	"plus":          `<path d="M12 5v14"/><path d="M5 12h14"/>`,
	"alert":         `<circle cx="12" cy="12" r="9"/><path d="M12 7.5v5.5"/><path d="M12 16.5v.01"/>`,
	"info":          `<circle cx="12" cy="12" r="9"/><path d="M12 11v5.5"/><path d="M12 7.5v.01"/>`,
	"inbox":         `<path d="M3 13.5L5.6 5.8A1.2 1.2 0 0 1 6.7 5h10.6a1.2 1.2 0 0 1 1.1.8L21 13.5V19a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1z"/><path d="M3 13.5h5l1.2 2.5h5.6l1.2-2.5h5"/>`,
	"filter":        `<path d="M4 5h16l-6.2 7.4V18l-3.6 2v-7.6z"/>`,
	"upload":        `<path d="M12 20V9"/><path d="M7.5 13.5L12 9l4.5 4.5"/><path d="M4 4.5h16"/>`,
	"download":      `<path d="M12 4v11"/><path d="M7.5 10.5L12 15l4.5-4.5"/><path d="M5 20h14"/>`,
	"trash":         `<path d="M4 7h16"/><path d="M9 7V4.5h6V7"/><path d="M6 7l1 13h10l1-13"/>`,
	"edit":          `<path d="M4 20h4L19 9l-4-4L4 16z"/><path d="M13.5 6.5l4 4"/>`,
}

// icon returns the inline SVG of the named icon: {{icon "customers"}}.
// A Go func rather than a template so that a page with twenty icons does
// not evaluate twenty chains of comparisons. The markup is our own
// constant text, hence safe as template.HTML.
func icon(name string) (template.HTML, error) {
	p, ok := iconPaths[name]
	if !ok {
		return "", fmt.Errorf("icon %q: no such icon", name)
	}
	return template.HTML(`<svg class="icon" viewBox="0 0 24 24" width="18" height="18" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false">` + p + `</svg>`), nil
}
