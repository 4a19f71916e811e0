package dev.offcut.cli;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class JsonWriterTest {

    @Test
    void writesNestedValuesThatParseBack() {
        String json = new JsonWriter().beginObject()
                .name("text").value("quote \" backslash \\ newline \n tab \t bell \u0007 <tag>")
                .name("numbers").value(new double[] {1, 2.5, Double.NaN, 1e-7, -3})
                .name("count").value(42L)
                .name("flag").value(true)
                .name("none").value((String) null)
                .name("empty").beginObject().endObject()
                .name("list").beginArray().beginArray().endArray().value("x").endArray()
                .endObject().toJson();
        Object parsed = MiniJson.parse(json);
        assertEquals(Map.of(
                "text", "quote \" backslash \\ newline \n tab \t bell \u0007 <tag>",
                "numbers", java.util.Arrays.asList(1.0, 2.5, null, 1e-7, -3.0),
                "count", 42.0,
                "flag", true,
                "empty", Map.of(),
                "list", List.of(List.of(), "x")), withoutNulls(parsed));
        assertEquals(null, ((Map<?, ?>) parsed).get("none"));
    }

    @Test
    void misuseThrows() {
        assertThrows(IllegalStateException.class, () -> new JsonWriter().beginObject().value(1L));
        assertThrows(IllegalStateException.class, () -> new JsonWriter().beginArray().name("x"));
        assertThrows(IllegalStateException.class, () -> new JsonWriter().beginArray().endObject());
        assertThrows(IllegalStateException.class, () -> new JsonWriter().beginObject().toJson());
        assertThrows(IllegalStateException.class, () -> new JsonWriter().beginArray().endArray().beginArray());
    }

    private static Object withoutNulls(Object parsed) {
        Map<?, ?> map = (Map<?, ?>) parsed;
        return map.entrySet().stream().filter(e -> e.getValue() != null)
                .collect(java.util.stream.Collectors.toMap(e -> (String) e.getKey(), Map.Entry::getValue));
    }
}
