/// Answers the default model wrote through the server, as it wrote them (from `make eval
/// --record`), and one with escapes of every kind.
enum RecordedAnswers {
    static let all: [String] = [
        ##"""
        {
          "opinion": "The plot point is inconsistent with the story and has several major flaws. For example, it could be a trap designed by Helix to lure Kade Voss into a lie. Sera Voss's brother can also have conflicting loyalties to her family. The story does not provide enough information about Kade's personality or character traits in detail.",
          "suggestions": [
           ", For example, the plot points could be written differently to improve clarity and coherence within the story."
           ,"For example, the story is too long with multiple scenes that would make it hard for readers to follow the narrative.",
          "\nThe plot point ends up being a trap designed by Helix. Kade Voss's family has conflicting loyalties. Sera Voss’s brother could have been hiding a lie from her family."
        ,
        "This plot point has several major flaws that need to be addressed and improved upon within the story before it can continue in any way-endorsed as they are now.",
          "The plot points end up being too long with multiple scenes. Sera Voss’ brother could have been hiding a false lie from her family, which is what happens to Kade Voss when the story begins."
        ,
        "This plot point has two main issues that need to be fixed upon before it can continue-Sera Voss and Kade Voss are characters. Sera Voss has an unreliable character who is not a lie but rather her brother's family's evil lies about her."]}
        """##,
        ##"""
        {
        "opinion": "The Lanterners guild is not the only one, but the most influential one in this world. Corvin is also a leader of the Lanterner guild, and they are all about creating new opportunities for others to grow."
        
        ,"suggestions": 
        [
          "Ari's actions show that she has no morals.",
          "She is very brave, even though she isn't a dragon."
        ,"Lanterns can be powerful, but only those who believe in themselves will help them out of the shadows. Corvin and the Lanterners are too proud to do what they deserve for them.", 
          "Corvin's character has many flaws, which is why he is so ruthless, but she also stands up against him because she believes there is no place for those who don't believe in themselves."
        ]}
        """##,
        ##"""
        {
        "opinion": "The Great Fire of London, one of the greatest architectural feats in human history. It is a tale of resilience and determination that has been passed down for centuries. The story begins with the two men who are bound to it - the fire which burns a warehouse. The second man, a lamplighter's daughter, who sells news sheets.",
        "suggestions": [
          "The Great Fire of London: One of the greatest architectural feats of human history.",
          "1890s: A tale of resilience in times of turmoil.",
          "A narrative by Emily St. John for the BBC.",
          "In 2013, a story is being told to make a documentary on the Great Fire of London."
        ]}
        """##,
        #"{"opinion": "The door is a strong turn: Ari\u2019s fear finally has a shape, and the \"hidden\" room raises the stakes.", "suggestions": ["Let Ari hear the door before she sees it \u2014 a draught, a tick.", "Show what Corvin knows with one glance\\n not a speech.", "End the scene on the \ud83d\udeaa handle turning by itself."]}"#,
    ]

    /// How many suggestions have their closing quote in `text`.
    static func closedSuggestions(in text: String) -> Int {
        var strings = 0
        var closed = 0
        var inString = false
        var escaped = false
        for character in text {
            if inString {
                if escaped {
                    escaped = false
                } else if character == "\\" {
                    escaped = true
                } else if character == "\"" {
                    inString = false
                    if strings > 3 { closed += 1 }
                }
            } else if character == "\"" {
                inString = true
                strings += 1
            }
        }
        return closed
    }
}
