package dev.offcut.cli;

/** Escaping for text placed in HTML and SVG, in element content and in quoted attribute values alike. */
final class Html {

    private Html() {
    }

    /**
     * Escapes the five characters that can end text or an attribute or start markup.
     *
     * @param text any text, e.g. a subject name or an exception message
     * @return the text, safe inside an element or a double- or single-quoted attribute
     */
    static String escape(String text) {
        StringBuilder escaped = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> escaped.append("&amp;");
                case '<' -> escaped.append("&lt;");
                case '>' -> escaped.append("&gt;");
                case '"' -> escaped.append("&quot;");
                case '\'' -> escaped.append("&#39;");
                default -> escaped.append(c);
            }
        }
        return escaped.toString();
    }
}
